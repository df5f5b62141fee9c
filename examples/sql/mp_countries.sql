-- mp_countries: what each country's visitors cost and earned, one row per
-- country, each row counted under its own country (NULL when it has none:
-- a cost record), each sale (mp_sales.sql) under the country of its click,
-- else of its first revenue record.
--
-- clicks      = count(*) FILTER (WHERE type = 'click')
-- conversions = the sales whose revenue > 0
-- cost        = coalesce(sum(cost), 0) over all rows
-- revenue     = coalesce(sum(revenue), 0) over the sales
-- profit      = revenue - cost
-- Spend no kept click carries (records of type cost) has no country: it
-- is all under NULL.  Money is numeric, exact (0 written 0.000000); one
-- currency is assumed.
--
-- Columns: country, clicks, conversions, cost, revenue, profit.
CREATE OR REPLACE VIEW mp_countries AS
SELECT m.country,
    m.clicks,
    m.conversions,
    m.cost,
    m.revenue,
    m.revenue - m.cost AS profit
FROM (
    SELECT country,
        sum(clicks)::bigint AS clicks,
        sum(conversions)::bigint AS conversions,
        sum(cost) AS cost,
        sum(revenue) AS revenue
    FROM (
        SELECT country,
            count(*) FILTER (WHERE type = 'click') AS clicks,
            0 AS conversions,
            coalesce(sum(cost), 0.000000) AS cost,
            0.000000 AS revenue
        FROM events
        GROUP BY country
        UNION ALL
        SELECT country, 0, count(*) FILTER (WHERE revenue > 0),
            0.000000, sum(revenue)
        FROM mp_sales
        GROUP BY country
    ) u
    GROUP BY country
) m;
