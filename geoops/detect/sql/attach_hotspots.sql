-- Hotspots become evidence of their incident (each hotspot supports one incident).
INSERT INTO incident_evidence (incident_id, kind, hotspot_id, observed_at)
SELECT p.incident_id, 'hotspot', h.id, h.observed_at
FROM unnest(CAST(:incidents AS bigint[]), CAST(:hotspots AS bigint[])) AS p(incident_id, hotspot_id)
JOIN hotspots AS h ON h.id = p.hotspot_id
ON CONFLICT ON CONSTRAINT incident_evidence_hotspot_once DO UPDATE SET incident_id = excluded.incident_id
