-- Incidents as one GeoJSON FeatureCollection with the properties of DESIGN.md; the
-- caller fills in the WHERE clause. Geometry: the perimeter, or the point if none yet.
-- Beyond DESIGN.md's list: the priority score with its components, nearest settlements,
-- evidence counts per kind and the first time each source saw the fire, bbox, growth.
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(f.feature ORDER BY f.id), '[]'::json)
)
FROM (
    SELECT i.id, json_build_object(
        'type', 'Feature',
        'id', i.id,
        'geometry', ST_AsGeoJSON(coalesce(i.geom, i.centroid), 6)::json,
        'properties', json_build_object(
            'id', i.id,
            'number', i.number,
            'status', i.status,
            'priority', i.priority,
            'priority_score', i.priority_score,
            'priority_components', i.priority_components,
            'nearest_settlements', i.nearest_settlements,
            'status_reason', i.status_reason,
            'region_code', i.region_code,
            'first_observed_at', i.first_observed_at,
            'registered_at', i.registered_at,
            'last_observed_at', i.last_observed_at,
            'updated_at', i.updated_at,
            'sources', i.sources,
            'hotspot_count', i.hotspot_count,
            'area_ha', round(i.area_ha::numeric, 2),
            'growth_ha', round(i.growth_ha::numeric, 2),
            'bbox', CASE WHEN i.geom IS NOT NULL THEN json_build_array(
                round(ST_XMin(i.geom)::numeric, 6), round(ST_YMin(i.geom)::numeric, 6),
                round(ST_XMax(i.geom)::numeric, 6), round(ST_YMax(i.geom)::numeric, 6)) END,
            'max_frp', i.max_frp,
            'registration_latency_s', i.registration_latency_s,
            'centroid', ST_AsGeoJSON(i.centroid, 6)::json -> 'coordinates',
            'evidence_counts', json_build_object(
                'hotspot', ev.hotspots, 'sensor', ev.alarms, 'report', ev.reports),
            'first_observed_by_source', json_build_object(
                'satellite', ev.first_satellite, 'sensor', ev.first_sensor, 'report', ev.first_report),
            'jurisdictions', coalesce((
                SELECT json_agg(json_build_object('id', j.id, 'name', j.name, 'level', j.level,
                                                  'code', j.code) ORDER BY j.level_rank, j.name)
                FROM incident_jurisdictions AS ij
                JOIN jurisdictions AS j ON j.id = ij.jurisdiction_id
                WHERE ij.incident_id = i.id
            ), '[]'::json)
        )
    ) AS feature
    FROM incidents AS i
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE e.kind = 'hotspot') AS hotspots,
               count(*) FILTER (WHERE e.kind = 'sensor') AS alarms,
               count(*) FILTER (WHERE e.kind = 'report') AS reports,
               min(e.observed_at) FILTER (WHERE e.kind = 'hotspot') AS first_satellite,
               min(e.observed_at) FILTER (WHERE e.kind = 'sensor') AS first_sensor,
               min(e.observed_at) FILTER (WHERE e.kind = 'report') AS first_report
        FROM incident_evidence AS e
        WHERE e.incident_id = i.id
    ) AS ev
    WHERE /*where*/
    ORDER BY i.id
    LIMIT :limit
) AS f
