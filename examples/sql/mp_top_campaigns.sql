-- mp_top_campaigns: mp_roi_campaign (mp_roi_campaign.sql, for the
-- measures), the most profitable campaign first:
-- rank = rank() OVER (ORDER BY profit DESC)
-- Campaigns of equal profit share a rank, and come in campaign_id order.
--
-- Columns: rank, source, campaign_id, clicks, unique_visitors,
-- conversions, cost, click_cost, filtered_cost, cost_per_click, revenue,
-- profit, roi_pct, revenue_per_click.
CREATE OR REPLACE VIEW mp_top_campaigns AS
SELECT rank() OVER (ORDER BY profit DESC) AS rank,
    source,
    campaign_id,
    clicks,
    unique_visitors,
    conversions,
    cost,
    click_cost,
    filtered_cost,
    cost_per_click,
    revenue,
    profit,
    roi_pct,
    revenue_per_click
FROM mp_roi_campaign
ORDER BY profit DESC, campaign_id;
