-- mp_roi_source: what each network cost and earned, one row per source,
-- where a row's source is its campaign's (mp_campaign_source.sql): a
-- tracker's postback, a network's cost record count for the network of
-- the campaign they name.
--
-- The measures of mp_roi_campaign (mp_roi_campaign.sql), over the rows
-- and the sales (mp_sales.sql) of the source's campaigns:
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
-- unique_visitors counts a visitor once per source even when they clicked
-- in several of its campaigns, so it is not the sum of mp_roi_campaign's.
-- Money is numeric, exact (0 written 0.000000); one currency is assumed.
--
-- Columns: source, clicks, unique_visitors, conversions, cost, click_cost,
-- filtered_cost, cost_per_click, revenue, profit, roi_pct,
-- revenue_per_click.
CREATE OR REPLACE VIEW mp_roi_source AS
SELECT m.source,
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
    SELECT source,
        sum(clicks)::bigint AS clicks,
        sum(unique_visitors)::bigint AS unique_visitors,
        sum(conversions)::bigint AS conversions,
        sum(cost) AS cost,
        sum(click_cost) AS click_cost,
        sum(filtered_cost) AS filtered_cost,
        sum(revenue) AS revenue
    FROM (
        SELECT s.source,
            count(*) FILTER (WHERE e.type = 'click') AS clicks,
            count(DISTINCT e.visitor_id) FILTER (WHERE e.type = 'click')
                AS unique_visitors,
            0 AS conversions,
            coalesce(sum(e.cost), 0.000000) AS cost,
            coalesce(sum(e.cost) FILTER (WHERE e.type = 'click'), 0.000000)
                AS click_cost,
            coalesce(sum(e.cost) FILTER (WHERE e.type = 'cost'), 0.000000)
                AS filtered_cost,
            0.000000 AS revenue
        FROM events e
        LEFT JOIN mp_campaign_source s ON s.campaign_id = e.campaign_id
        GROUP BY s.source
        UNION ALL
        SELECT s.source, 0, 0,
            count(*) FILTER (WHERE a.revenue > 0),
            0.000000, 0.000000, 0.000000,
            sum(a.revenue)
        FROM mp_sales a
        LEFT JOIN mp_campaign_source s ON s.campaign_id = a.campaign_id
        GROUP BY s.source
    ) u
    GROUP BY source
) m;
