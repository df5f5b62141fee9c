-- mp_roi_source: what each network cost and earned, one row per source,
-- where an event's source is its campaign's (mp_campaign_source.sql): a
-- tracker's postback counts for the network of the campaign it names.
--
-- The measures of mp_roi_campaign, over the events of the source's
-- campaigns:
-- clicks            = count(*) FILTER (WHERE type = 'click')
-- unique_visitors   = count(DISTINCT visitor_id) FILTER (WHERE type = 'click')
-- conversions       = count(*) FILTER (WHERE type IN ('conversion','postback'))
-- cost              = coalesce(sum(cost) FILTER (WHERE type = 'click'), 0)
-- revenue           = coalesce(sum(revenue) FILTER
--                         (WHERE type IN ('conversion','postback')), 0)
-- profit            = revenue - cost
-- roi               = round(profit / nullif(cost, 0), 4)     NULL: no cost
-- revenue_per_click = round(revenue / nullif(clicks, 0), 6) NULL: no clicks
-- unique_visitors counts a visitor once per source even when they clicked
-- in several of its campaigns, so it is not the sum of mp_roi_campaign's.
-- Money is numeric, exact (0 written 0.000000); one currency is assumed.
--
-- Columns: source, clicks, unique_visitors, conversions, cost, revenue,
-- profit, roi, revenue_per_click.
CREATE OR REPLACE VIEW mp_roi_source AS
SELECT m.source,
    m.clicks,
    m.unique_visitors,
    m.conversions,
    m.cost,
    m.revenue,
    m.revenue - m.cost AS profit,
    round((m.revenue - m.cost) / nullif(m.cost, 0), 4) AS roi,
    round(m.revenue / nullif(m.clicks, 0), 6) AS revenue_per_click
FROM (
    SELECT s.source,
        count(*) FILTER (WHERE e.type = 'click') AS clicks,
        count(DISTINCT e.visitor_id) FILTER (WHERE e.type = 'click')
            AS unique_visitors,
        count(*) FILTER (WHERE e.type IN ('conversion', 'postback'))
            AS conversions,
        coalesce(sum(e.cost) FILTER (WHERE e.type = 'click'), 0.000000)
            AS cost,
        coalesce(sum(e.revenue) FILTER
            (WHERE e.type IN ('conversion', 'postback')), 0.000000)
            AS revenue
    FROM events e
    LEFT JOIN mp_campaign_source s ON s.campaign_id = e.campaign_id
    GROUP BY s.source
) m;
