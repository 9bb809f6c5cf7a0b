-- Incidents only grow between passes, so their links to jurisdictions only grow too: link
-- each incident to the jurisdictions met by the evidence attached to it in this
-- transaction (small shapes, cheap to test against big boundaries), and give each
-- survivor of a merge the links of the incidents it absorbed, which lose theirs
-- (three statements).
INSERT INTO incident_jurisdictions (incident_id, jurisdiction_id)
SELECT DISTINCT e.incident_id, j.id
FROM incident_evidence AS e
LEFT JOIN hotspots AS h ON h.id = e.hotspot_id
LEFT JOIN reports AS r ON r.id = e.report_id
LEFT JOIN sensor_alarms AS a ON a.id = e.alarm_id
CROSS JOIN LATERAL (SELECT coalesce(h.footprint, r.geom, a.geom) AS shape) AS x
JOIN jurisdictions AS j ON j.geom && x.shape AND ST_Intersects(j.geom, x.shape)
WHERE e.incident_id = ANY(:ids) AND e.added_at = now()
ON CONFLICT DO NOTHING;
INSERT INTO incident_jurisdictions (incident_id, jurisdiction_id)
SELECT m.merged_into_id, ij.jurisdiction_id
FROM incidents AS m
JOIN incident_jurisdictions AS ij ON ij.incident_id = m.id
WHERE m.id = ANY(:absorbed) AND m.merged_into_id IS NOT NULL
ON CONFLICT DO NOTHING;
DELETE FROM incident_jurisdictions WHERE incident_id = ANY(:absorbed)
