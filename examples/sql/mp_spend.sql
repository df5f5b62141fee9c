-- mp_spend: the spend each network billed, one row per network, UTC day
-- and campaign_id, split into what the kept clicks carry and what they do
-- not (mp-record(5)): the warehouse's side of the spend reconciliation.
--
-- network = coalesce(data->>'cost_source', source): the name of the spend
--           table that priced the row (mp-enrich adds it to the events it
--           matches as cost_source; a cost record's source is that name);
--           a row no table priced goes under its own source
-- day     = (ts AT TIME ZONE 'UTC')::date: a click's day; a cost record's
--           ts is the start of the day its spend is for
-- Over the rows of type click or cost and any other row with a cost other
-- than 0 (an impression that kept an estimate of its own):
-- clicks          = count(*) FILTER (WHERE type = 'click')
-- cost            = coalesce(sum(cost), 0): the spend the network billed
-- click_cost      = coalesce(sum(cost) FILTER (WHERE type = 'click'), 0)
-- filtered_cost   = coalesce(sum(cost) FILTER (WHERE type = 'cost'), 0):
--                   spend no kept click carries
-- unmatched_cost  = filtered_cost of the cost records whose reason is
--                   'unmatched': clicks the network billed that no kept
--                   click carries (bots, duplicates, clicks the tracker
--                   never saw)
-- no_events_cost  = filtered_cost of the cost records whose reason is
--                   'no-events': a spend row no kept click matched
-- cost = click_cost + filtered_cost when every row of the day was priced
-- by mp-enrich's allocation; filtered_cost = unmatched_cost +
-- no_events_cost when every cost record has one of the two reasons.
-- The spend tables of examples/ key a click's day as the first 10
-- characters of its ts, the same UTC day when ts is written in UTC.
-- Money is numeric, exact (0 written 0.000000).
--
-- Columns: network, day, campaign_id, clicks, cost, click_cost,
-- filtered_cost, unmatched_cost, no_events_cost.
CREATE OR REPLACE VIEW mp_spend AS
SELECT coalesce(data->>'cost_source', source) AS network,
    (ts AT TIME ZONE 'UTC')::date AS day,
    campaign_id,
    count(*) FILTER (WHERE type = 'click') AS clicks,
    coalesce(sum(cost), 0.000000) AS cost,
    coalesce(sum(cost) FILTER (WHERE type = 'click'), 0.000000)
        AS click_cost,
    coalesce(sum(cost) FILTER (WHERE type = 'cost'), 0.000000)
        AS filtered_cost,
    coalesce(sum(cost) FILTER (WHERE type = 'cost'
        AND data->>'reason' = 'unmatched'), 0.000000) AS unmatched_cost,
    coalesce(sum(cost) FILTER (WHERE type = 'cost'
        AND data->>'reason' = 'no-events'), 0.000000) AS no_events_cost
FROM events
WHERE type IN ('click', 'cost') OR cost <> 0
GROUP BY 1, 2, 3;
