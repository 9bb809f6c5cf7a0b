-- Every piece of evidence of one incident with its provenance, oldest first: the
-- satellite pixel, the sensor alarm (station, reading, rule) or the report (category,
-- reporter kind, status; never the contact). Position as [lon, lat].
SELECT e.kind,
       e.observed_at,
       e.added_at,
       e.hotspot_id,
       e.alarm_id,
       e.report_id,
       CASE e.kind
           WHEN 'hotspot' THEN h.source
           WHEN 'sensor' THEN 'station ' || a.station_id
           ELSE r.reporter_kind || ' report'
       END AS provenance,
       h.satellite, h.instrument, h.frp, h.confidence,
       a.station_id, a.property, a.value, a.rule, a.strength,
       r.category, r.reporter_kind, r.status AS report_status, r.duplicate_of,
       json_build_array(round(ST_X(p.spot)::numeric, 6), round(ST_Y(p.spot)::numeric, 6)) AS position
FROM incident_evidence AS e
LEFT JOIN hotspots AS h ON h.id = e.hotspot_id
LEFT JOIN sensor_alarms AS a ON a.id = e.alarm_id
LEFT JOIN reports AS r ON r.id = e.report_id
CROSS JOIN LATERAL (SELECT coalesce(h.geom, a.geom, r.geom) AS spot) AS p
WHERE e.incident_id = :id
ORDER BY e.observed_at, e.id
