-- mp_roi_campaign: what each campaign cost and earned, one row per
-- campaign_id, under its network's source (mp_campaign_source.sql).
--
-- Cost is every row's cost (mp-record(5)): a click carries its share of
-- its campaign-day's spend, a record of type cost the spend that no kept
-- click carries (bots, duplicates, clicks the tracker never saw, a day
-- without events).  Revenue and conversions are the sales of mp_sales
-- (mp_sales.sql), each counted once, under the sale's campaign.
-- clicks            = count(*) FILTER (WHERE type = 'click')
-- unique_visitors   = count(DISTINCT visitor_id) FILTER (WHERE type = 'click')
-- conversions       = the campaign's sales whose revenue > 0
-- cost              = coalesce(sum(cost), 0) over all the campaign's rows
-- click_cost        = coalesce(sum(cost) FILTER (WHERE type = 'click'), 0):
--                     what the kept clicks cost
-- filtered_cost     = coalesce(sum(cost) FILTER (WHERE type = 'cost'), 0):
--                     spend no kept click carries
-- cost_per_click    = round(click_cost / nullif(clicks, 0), 6)
--                     NULL: no clicks
-- revenue           = coalesce(sum(revenue), 0) over the campaign's sales
-- profit            = revenue - cost
-- roi_pct           = round(100 * profit / nullif(cost, 0), 2)
--                     NULL: no cost
-- revenue_per_click = round(revenue / nullif(clicks, 0), 6) NULL: no clicks
-- cost is click_cost + filtered_cost once mp-enrich has allocated the
-- networks' spend; any other record's cost (an impression no spend row
-- matched keeps the estimate it came with) is counted in cost too.
-- Money is numeric, exact, never float; the 0 of coalesce is written
-- 0.000000 so that money always shows the 6 decimals of mp-load's
-- numeric(19,6).  Amounts are summed as they are: the views assume one
-- currency (mp-enrich converts revenue to USD).
--
-- Columns: source, campaign_id, clicks, unique_visitors, conversions,
-- cost, click_cost, filtered_cost, cost_per_click, revenue, profit,
-- roi_pct, revenue_per_click.
CREATE OR REPLACE VIEW mp_roi_campaign AS
SELECT s.source,
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
    SELECT campaign_id,
        sum(clicks)::bigint AS clicks,
        sum(unique_visitors)::bigint AS unique_visitors,
        sum(conversions)::bigint AS conversions,
        sum(cost) AS cost,
        sum(click_cost) AS click_cost,
        sum(filtered_cost) AS filtered_cost,
        sum(revenue) AS revenue
    FROM (
        SELECT campaign_id,
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
        GROUP BY campaign_id
        UNION ALL
        SELECT campaign_id, 0, 0,
            count(*) FILTER (WHERE revenue > 0),
            0.000000, 0.000000, 0.000000,
            sum(revenue)
        FROM mp_sales
        GROUP BY campaign_id
    ) u
    GROUP BY campaign_id
) m
LEFT JOIN mp_campaign_source s ON s.campaign_id = m.campaign_id;
