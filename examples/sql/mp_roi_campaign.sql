-- mp_roi_campaign: what each campaign cost and earned, one row per
-- campaign_id, under its network's source (mp_campaign_source.sql).
--
-- Over all the campaign's events, whatever their source, so that a
-- tracker's postbacks count for the campaign they name:
-- clicks            = count(*) FILTER (WHERE type = 'click')
-- unique_visitors   = count(DISTINCT visitor_id) FILTER (WHERE type = 'click')
-- conversions       = count(*) FILTER (WHERE type IN ('conversion','postback'))
-- cost              = coalesce(sum(cost) FILTER (WHERE type = 'click'), 0)
-- revenue           = coalesce(sum(revenue) FILTER
--                         (WHERE type IN ('conversion','postback')), 0)
-- profit            = revenue - cost
-- roi               = round(profit / nullif(cost, 0), 4)     NULL: no cost
-- revenue_per_click = round(revenue / nullif(clicks, 0), 6) NULL: no clicks
-- Only clicks carry cost (mp-enrich spreads a network's spend over them:
-- an impression's own cost is ignored); only conversions and postbacks
-- carry revenue.  Money is numeric, exact, never float; the 0 of coalesce
-- is written 0.000000 so that cost, revenue and profit always show the 6
-- decimals of mp-load's numeric(19,6).  Amounts are summed as they are:
-- the views assume one currency (mp-enrich converts revenue to USD).
--
-- Columns: source, campaign_id, clicks, unique_visitors, conversions,
-- cost, revenue, profit, roi, revenue_per_click.
CREATE OR REPLACE VIEW mp_roi_campaign AS
SELECT s.source,
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
    SELECT campaign_id,
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
    GROUP BY campaign_id
) m
LEFT JOIN mp_campaign_source s ON s.campaign_id = m.campaign_id;
