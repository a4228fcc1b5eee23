-- Applied by infra.sh to the `ferretdb` database at every start (idempotent).
--
-- Why: FerretDB 1.24 on PostgreSQL stores each document as `_jsonb` and filters with containment,
-- `_jsonb -> 'field' @> value`. The indexes it creates are btree indexes on `(_jsonb -> 'field')`, which `@>` cannot
-- use, so every find, update and delete by `_id` or by an indexed field reads the whole table: the cost of a lookup
-- grows with the collection. A GIN index on the same expression serves `@>`. Every FerretDB index here gets a GIN twin
-- for each of its `_jsonb -> 'field'` keys, as FerretDB creates it (an event trigger) and for indexes made before this
-- file was applied. (FerretDB also needs plan_cache_mode = force_custom_plan, set by infra.sh: its prepared statements
-- pass the field name as a parameter, and a generic plan cannot match an index expression.)

SET client_min_messages = warning;

CREATE OR REPLACE FUNCTION marketqr_gin_twins_of(idx oid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  tbl regclass;
  idx_name text;
  keys int;
  expr text;
BEGIN
  SELECT i.indrelid::regclass, c.relname, i.indnkeyatts INTO tbl, idx_name, keys
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
   WHERE i.indexrelid = idx;
  -- Our own twins, and indexes that are not FerretDB's, are left alone.
  IF tbl IS NULL OR idx_name LIKE '%\_gin' THEN RETURN; END IF;
  FOR k IN 1..keys LOOP
    expr := pg_get_indexdef(idx, k, false);
    IF expr ~ '^\(*_jsonb -> ''[^'']+''::text\)*$' THEN
      EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((%s))', left(idx_name, 54) || '_' || k || '_gin', tbl,
                     trim(both '()' from expr));
    END IF;
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION marketqr_gin_twins() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE INDEX' LOOP
    PERFORM marketqr_gin_twins_of(cmd.objid);
  END LOOP;
END $$;

DROP EVENT TRIGGER IF EXISTS marketqr_gin_twins;
CREATE EVENT TRIGGER marketqr_gin_twins ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION marketqr_gin_twins();

-- Indexes FerretDB made before this file was applied (a data folder from an earlier start).
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT i.indexrelid FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attname = '_jsonb'
            JOIN pg_namespace n ON n.oid = t.relnamespace
           WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') LOOP
    PERFORM marketqr_gin_twins_of(r.indexrelid);
  END LOOP;
END $$;
