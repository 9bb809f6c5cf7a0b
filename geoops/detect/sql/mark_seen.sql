-- Mark the hotspots a pass claimed (sql/claim_hotspots.sql) seen, a FIRMS static type
-- (1 volcano, 2 other static land source, 3 offshore) with it as the reason it is not a
-- fire, then the reasons found in memory (heat sources, water: detect/static_areas.py)
-- for the few that have one (two statements, psycopg placeholders: sent in a pipeline).
UPDATE hotspots AS h
SET detected_at = now(),
    static_reason = CASE WHEN coalesce(h.fire_type, 0) IN (1, 2, 3) THEN 'firms_type_' || h.fire_type
                         ELSE h.static_reason END
WHERE h.id = ANY(CAST(%(ids)s AS bigint[]));  -- primary-key look-ups, not a scan of the table
UPDATE hotspots AS h
SET static_reason = u.reason
FROM unnest(CAST(%(static_ids)s AS bigint[]), CAST(%(reasons)s AS text[])) AS u(id, reason)
WHERE h.id = u.id
