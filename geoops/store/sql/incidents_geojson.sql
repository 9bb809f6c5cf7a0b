-- Incidents as one GeoJSON FeatureCollection with the properties of DESIGN.md; the
-- caller fills in the WHERE clause. Geometry: the perimeter, or the point if none yet.
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
            'first_observed_at', i.first_observed_at,
            'registered_at', i.registered_at,
            'last_observed_at', i.last_observed_at,
            'updated_at', i.updated_at,
            'sources', i.sources,
            'hotspot_count', i.hotspot_count,
            'area_ha', round(i.area_ha::numeric, 2),
            'max_frp', i.max_frp,
            'registration_latency_s', i.registration_latency_s,
            'centroid', ST_AsGeoJSON(i.centroid, 6)::json -> 'coordinates',
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
    WHERE /*where*/
    ORDER BY i.id
    LIMIT :limit
) AS f
