-- Claim the reports and sensor alarms no pass has seen yet (two statements). A report
-- counts as fire evidence when its category is one of :fire_categories and nobody has
-- dismissed it, the others are only marked seen.
SELECT r.id, (r.category = ANY(:fire_categories) AND r.status <> 'dismissed') AS fire
FROM reports AS r
WHERE r.detected_at IS NULL
ORDER BY r.id
LIMIT :limit
FOR UPDATE;
SELECT a.id, true AS fire
FROM sensor_alarms AS a
WHERE a.detected_at IS NULL
ORDER BY a.id
LIMIT :limit
FOR UPDATE
