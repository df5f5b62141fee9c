-- mp_countries: what each country's visitors cost and earned, one row per
-- country, each event counted under its own country (NULL when it has
-- none: a postback that does not say).
--
-- clicks      = count(*) FILTER (WHERE type = 'click')
-- conversions = count(*) FILTER (WHERE type IN ('conversion','postback'))
-- cost        = coalesce(sum(cost) FILTER (WHERE type = 'click'), 0)
-- revenue     = coalesce(sum(revenue) FILTER
--                   (WHERE type IN ('conversion','postback')), 0)
-- profit      = revenue - cost
-- Money is numeric, exact (0 written 0.000000); one currency is assumed.
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
        count(*) FILTER (WHERE type = 'click') AS clicks,
        count(*) FILTER (WHERE type IN ('conversion', 'postback'))
            AS conversions,
        coalesce(sum(cost) FILTER (WHERE type = 'click'), 0.000000)
            AS cost,
        coalesce(sum(revenue) FILTER
            (WHERE type IN ('conversion', 'postback')), 0.000000) AS revenue
    FROM events
    GROUP BY country
) m;
