-- New evidence attaches to its incident (each item supports one incident); a report's or
-- an alarm's point joins the incident's indexed shapes as 'g' (hotspots reach the
-- incident's shapes through its perimeter pieces, cut at the end of the pass). A plain
-- insert: an item attached already fails it (detect/assignment.py then attaches the rest).
WITH pairs AS (
    SELECT p.incident_id, p.kind, p.item, to_timestamp(p.t) AS observed_at
    FROM unnest(CAST(:incidents AS bigint[]), CAST(:kinds AS text[]), CAST(:items AS bigint[]),
                CAST(:t AS float8[])) AS p(incident_id, kind, item, t)
), attached AS (
    INSERT INTO incident_evidence (incident_id, kind, hotspot_id, report_id, alarm_id, observed_at)
    SELECT p.incident_id,
           CASE p.kind WHEN 'h' THEN 'hotspot' WHEN 'r' THEN 'report' ELSE 'sensor' END,
           CASE WHEN p.kind = 'h' THEN p.item END,
           CASE WHEN p.kind = 'r' THEN p.item END,
           CASE WHEN p.kind = 'a' THEN p.item END,
           p.observed_at
    FROM pairs AS p
    RETURNING incident_id, hotspot_id, report_id, alarm_id
)
INSERT INTO incident_shapes (incident_id, kind, geom)
SELECT a.incident_id, 'g', coalesce(r.geom, s.geom)
FROM attached AS a
LEFT JOIN reports AS r ON r.id = a.report_id
LEFT JOIN sensor_alarms AS s ON s.id = a.alarm_id
WHERE a.hotspot_id IS NULL
