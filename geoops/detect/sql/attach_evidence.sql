-- New evidence attaches to its incident (each item supports one incident); reports and
-- sensor alarms also point at the incident they now support.
INSERT INTO incident_evidence (incident_id, kind, hotspot_id, report_id, alarm_id, observed_at)
SELECT p.incident_id,
       CASE p.kind WHEN 'h' THEN 'hotspot' WHEN 'r' THEN 'report' ELSE 'sensor' END,
       CASE WHEN p.kind = 'h' THEN p.item END,
       CASE WHEN p.kind = 'r' THEN p.item END,
       CASE WHEN p.kind = 'a' THEN p.item END,
       b.observed_at
FROM unnest(CAST(:incidents AS bigint[]), CAST(:kinds AS text[]), CAST(:items AS bigint[]))
     AS p(incident_id, kind, item)
JOIN detect_batch AS b ON b.kind = p.kind AND b.id = p.item
ON CONFLICT DO NOTHING
