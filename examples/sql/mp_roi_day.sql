-- mp_roi_day: what each campaign cost and earned each day, one row per UTC
-- day and campaign_id, under the campaign's source
-- (mp_campaign_source.sql).  A row counts on its day,
-- day = (ts AT TIME ZONE 'UTC')::date; a cost record's ts is the start of
-- the day its spend is for.  A sale counts on its own day (mp_sales.sql:
-- the day it was first reported), whatever day its click or a later
-- adjustment came: a reversal lowers the revenue of the sale's day.
--
-- The measures of mp_roi_campaign (mp_roi_campaign.sql), over the
-- campaign's rows and sales of the day:
-- clicks            = count(*) FILTER (WHERE type = 'click')
-- unique_visitors   = count(DISTINCT visitor_id) FILTER (WHERE type = 'click')
-- conversions       = the sales whose revenue > 0
-- cost              = coalesce(sum(cost), 0) over all rows
-- click_cost        = coalesce(sum(cost) FILTER (WHERE type = 'click'), 0)
-- filtered_cost     = coalesce(sum(cost) FILTER (WHERE type = 'cost'), 0)
-- cost_per_click    = round(click_cost / nullif(clicks, 0), 6)
--                     NULL: no clicks
-- revenue           = coalesce(sum(revenue), 0) over the sales
-- profit            = revenue - cost
-- roi_pct           = round(100 * profit / nullif(cost, 0), 2)
--                     NULL: no cost
-- revenue_per_click = round(revenue / nullif(clicks, 0), 6) NULL: no clicks
-- A day with a sale of the campaign but none of its rows has a row.
-- Money is numeric, exact (0 written 0.000000); one currency is assumed.
--
-- Columns: day, source, campaign_id, clicks, unique_visitors, conversions,
-- cost, click_cost, filtered_cost, cost_per_click, revenue, profit,
-- roi_pct, revenue_per_click.
CREATE OR REPLACE VIEW mp_roi_day AS
SELECT m.day,
    s.source,
    m.campaign_id,
    m.clicks,
    m.unique_visitors,
    m.conversions,
    m.cost,
    m.click_cost,
    m.filtered_cost,
    round(m.click_cost / nullif(m.clicks, 0), 6) AS cost_per_click,
    m.revenue,
    m.revenue - m.cost AS profit,
    round(100 * (m.revenue - m.cost) / nullif(m.cost, 0), 2) AS roi_pct,
    round(m.revenue / nullif(m.clicks, 0), 6) AS revenue_per_click
FROM (
    SELECT day,
        campaign_id,
        sum(clicks)::bigint AS clicks,
        sum(unique_visitors)::bigint AS unique_visitors,
        sum(conversions)::bigint AS conversions,
        sum(cost) AS cost,
        sum(click_cost) AS click_cost,
        sum(filtered_cost) AS filtered_cost,
        sum(revenue) AS revenue
    FROM (
        SELECT (ts AT TIME ZONE 'UTC')::date AS day,
            campaign_id,
            count(*) FILTER (WHERE type = 'click') AS clicks,
            count(DISTINCT visitor_id) FILTER (WHERE type = 'click')
                AS unique_visitors,
            0 AS conversions,
            coalesce(sum(cost), 0.000000) AS cost,
            coalesce(sum(cost) FILTER (WHERE type = 'click'), 0.000000)
                AS click_cost,
            coalesce(sum(cost) FILTER (WHERE type = 'cost'), 0.000000)
                AS filtered_cost,
            0.000000 AS revenue
        FROM events
        GROUP BY 1, 2
        UNION ALL
        SELECT day, campaign_id, 0, 0,
            count(*) FILTER (WHERE revenue > 0),
            0.000000, 0.000000, 0.000000,
            sum(revenue)
        FROM mp_sales
        GROUP BY 1, 2
    ) u
    GROUP BY 1, 2
) m
LEFT JOIN mp_campaign_source s ON s.campaign_id = m.campaign_id;
