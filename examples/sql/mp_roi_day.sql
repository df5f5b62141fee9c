-- mp_roi_day: what each campaign cost and earned each day, one row per UTC
-- day, day = (ts AT TIME ZONE 'UTC')::date, and campaign_id, under the
-- campaign's source (mp_campaign_source.sql).  An event counts on the day
-- it happened: a conversion on its own day, not on its click's.
--
-- The measures of mp_roi_campaign, over the campaign's events of the day:
-- clicks            = count(*) FILTER (WHERE type = 'click')
-- unique_visitors   = count(DISTINCT visitor_id) FILTER (WHERE type = 'click')
-- conversions       = count(*) FILTER (WHERE type IN ('conversion','postback'))
-- cost              = coalesce(sum(cost) FILTER (WHERE type = 'click'), 0)
-- revenue           = coalesce(sum(revenue) FILTER
--                         (WHERE type IN ('conversion','postback')), 0)
-- profit            = revenue - cost
-- roi               = round(profit / nullif(cost, 0), 4)     NULL: no cost
-- revenue_per_click = round(revenue / nullif(clicks, 0), 6) NULL: no clicks
-- Money is numeric, exact (0 written 0.000000); one currency is assumed.
--
-- Columns: day, source, campaign_id, clicks, unique_visitors, conversions,
-- cost, revenue, profit, roi, revenue_per_click.
CREATE OR REPLACE VIEW mp_roi_day AS
SELECT m.day,
    s.source,
    m.campaign_id,
    m.clicks,
    m.unique_visitors,
    m.conversions,
    m.cost,
    m.revenue,
    m.revenue - m.cost AS profit,
    round((m.revenue - m.cost) / nullif(m.cost, 0), 4) AS roi,
    round(m.revenue / nullif(m.clicks, 0), 6) AS revenue_per_click
FROM (
    SELECT (ts AT TIME ZONE 'UTC')::date AS day,
        campaign_id,
        count(*) FILTER (WHERE type = 'click') AS clicks,
        count(DISTINCT visitor_id) FILTER (WHERE type = 'click')
            AS unique_visitors,
        count(*) FILTER (WHERE type IN ('conversion', 'postback'))
            AS conversions,
        coalesce(sum(cost) FILTER (WHERE type = 'click'), 0.000000)
            AS cost,
        coalesce(sum(revenue) FILTER
            (WHERE type IN ('conversion', 'postback')), 0.000000) AS revenue
    FROM events
    GROUP BY 1, campaign_id
) m
LEFT JOIN mp_campaign_source s ON s.campaign_id = m.campaign_id;
