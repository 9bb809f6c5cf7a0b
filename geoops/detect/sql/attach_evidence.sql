-- New evidence attaches to its incident (each item supports one incident), and its shape
-- (footprint 'h', or ground point 'g') joins the incident's indexed shapes.
WITH pairs AS (
    SELECT p.incident_id, p.kind, p.item, b.observed_at, b.shape
    FROM unnest(CAST(:incidents AS bigint[]), CAST(:kinds AS text[]), CAST(:items AS bigint[]))
         AS p(incident_id, kind, item)
    JOIN detect_batch AS b ON b.kind = p.kind AND b.id = p.item
), attached AS (
    INSERT INTO incident_evidence (incident_id, kind, hotspot_id, report_id, alarm_id, observed_at)
    SELECT p.incident_id,
           CASE p.kind WHEN 'h' THEN 'hotspot' WHEN 'r' THEN 'report' ELSE 'sensor' END,
           CASE WHEN p.kind = 'h' THEN p.item END,
           CASE WHEN p.kind = 'r' THEN p.item END,
           CASE WHEN p.kind = 'a' THEN p.item END,
           p.observed_at
    FROM pairs AS p
    ON CONFLICT DO NOTHING
    RETURNING incident_id, coalesce(hotspot_id, report_id, alarm_id) AS item, kind
)
INSERT INTO incident_shapes (incident_id, kind, geom)
SELECT a.incident_id, CASE WHEN a.kind = 'hotspot' THEN 'h' ELSE 'g' END, p.shape
FROM attached AS a
JOIN pairs AS p ON p.incident_id = a.incident_id AND p.item = a.item
               AND p.kind = CASE a.kind WHEN 'hotspot' THEN 'h' WHEN 'report' THEN 'r' ELSE 'a' END
