-- mp_revenue_network: the revenue of each network's campaigns by day, the
-- warehouse's side of the revenue reconciliation with the partners'
-- totals (examples/pipeline.sh).
--
-- A campaign's network is the spend table that priced its rows (the
-- cost_source mp-enrich adds to every event a spend row matches; the most
-- of its rows, a tie going to the first name), else the campaign's source
-- (mp_campaign_source.sql).  Sales as mp_sales.sql counts them, each once,
-- on the day it was first reported:
-- network     = that network
-- day         = mp_sales.day
-- sales       = count(*): the sales
-- conversions = count(*) FILTER (WHERE revenue > 0)
-- revenue     = sum(revenue): their current amounts
-- Money is numeric, exact.
--
-- Columns: network, day, sales, conversions, revenue.
CREATE OR REPLACE VIEW mp_revenue_network AS
WITH priced AS (
    SELECT DISTINCT ON (campaign_id) campaign_id,
        data->>'cost_source' AS network
    FROM events
    WHERE data->>'cost_source' IS NOT NULL
    GROUP BY campaign_id, data->>'cost_source'
    ORDER BY campaign_id, count(*) DESC, data->>'cost_source'
)
SELECT coalesce(p.network, c.source) AS network,
    s.day,
    count(*) AS sales,
    count(*) FILTER (WHERE s.revenue > 0) AS conversions,
    sum(s.revenue) AS revenue
FROM mp_sales s
LEFT JOIN priced p ON p.campaign_id = s.campaign_id
LEFT JOIN mp_campaign_source c ON c.campaign_id = s.campaign_id
GROUP BY 1, 2;
