/**
 * CockroachDB's SQL keywords by category, as listed in its grammar (crdb: pkg/sql/parser/sql.y,
 * the "Keyword category lists": unreserved_keyword, col_name_keyword, type_func_name_keyword — with
 * type_func_name_crdb_extra_keyword — and reserved_keyword with cockroachdb_extra_reserved_keyword;
 * the v20.2-era grammar). Test data: names a SHOW CREATE may print as column names.
 */
export const CRDB_KEYWORDS = {
  unreserved: [
  'abort', 'action', 'add', 'admin', 'aggregate', 'alter', 'always', 'at', 'automatic', 'authorization', 'backup',
  'begin', 'bucket_count', 'bundle', 'by', 'cache', 'cancel', 'cascade', 'changefeed', 'close', 'cluster', 'columns',
  'comment', 'comments', 'commit', 'committed', 'compact', 'complete', 'conflict', 'configuration', 'configurations',
  'configure', 'constraints', 'conversion', 'copy', 'covering', 'createrole', 'cube', 'current', 'cycle', 'data',
  'database', 'databases', 'day', 'deallocate', 'declare', 'delete', 'defaults', 'deferred', 'discard', 'domain',
  'double', 'drop', 'encoding', 'enum', 'escape', 'exclude', 'excluding', 'execute', 'experimental',
  'experimental_audit', 'experimental_fingerprints', 'experimental_relocate', 'experimental_replica', 'expiration',
  'explain', 'export', 'extension', 'files', 'filter', 'first', 'following', 'force_index', 'function', 'generated',
  'geometrycollection', 'global', 'grants', 'groups', 'hash', 'high', 'histogram', 'hour', 'identity', 'immediate',
  'import', 'include', 'including', 'increment', 'incremental', 'indexes', 'inject', 'insert', 'interleave',
  'inverted', 'isolation', 'job', 'jobs', 'json', 'key', 'keys', 'kv', 'language', 'last', 'lc_collate', 'lc_ctype',
  'lease', 'less', 'level', 'linestring', 'list', 'local', 'locked', 'login', 'lookup', 'low', 'match', 'materialized',
  'maxvalue', 'merge', 'minute', 'minvalue', 'multilinestring', 'multipoint', 'multipolygon', 'month', 'names', 'nan',
  'next', 'no', 'normal', 'no_index_join', 'nocreaterole', 'nologin', 'nowait', 'nulls', 'ignore_foreign_keys', 'of',
  'off', 'oids', 'operator', 'opt', 'option', 'options', 'ordinality', 'others', 'over', 'owned', 'parent', 'partial',
  'partition', 'partitions', 'password', 'pause', 'physical', 'plan', 'plans', 'preceding', 'prepare', 'preserve',
  'priority', 'public', 'publication', 'queries', 'query', 'range', 'ranges', 'read', 'recursive', 'ref', 'reindex',
  'release', 'rename', 'repeatable', 'replace', 'reset', 'restore', 'restrict', 'resume', 'revoke', 'role', 'roles',
  'rollback', 'rollup', 'rows', 'rule', 'setting', 'settings', 'status', 'savepoint', 'scatter', 'schema', 'schemas',
  'scrub', 'search', 'second', 'serializable', 'sequence', 'sequences', 'server', 'session', 'sessions', 'set',
  'share', 'show', 'simple', 'skip', 'snapshot', 'split', 'sql', 'start', 'statistics', 'stdin', 'storage', 'store',
  'stored', 'storing', 'strict', 'subscription', 'syntax', 'system', 'tables', 'temp', 'template', 'temporary',
  'testing_relocate', 'text', 'ties', 'trace', 'transaction', 'trigger', 'truncate', 'trusted', 'type', 'throttling',
  'unbounded', 'uncommitted', 'unknown', 'unlogged', 'unsplit', 'until', 'update', 'upsert', 'use', 'users', 'valid',
  'validate', 'value', 'varying', 'view', 'within', 'without', 'write', 'year', 'zone',
  ],
  colName: [
  'annotate_type', 'between', 'bigint', 'bit', 'boolean', 'char', 'character', 'characteristics', 'coalesce', 'dec',
  'decimal', 'exists', 'extract', 'extract_duration', 'float', 'geography', 'geometry', 'greatest', 'grouping', 'if',
  'iferror', 'ifnull', 'int', 'integer', 'interval', 'iserror', 'least', 'nullif', 'numeric', 'out', 'overlay',
  'point', 'polygon', 'position', 'precision', 'real', 'row', 'smallint', 'string', 'substring', 'time', 'timetz',
  'timestamp', 'timestamptz', 'treat', 'trim', 'values', 'varbit', 'varchar', 'virtual', 'work',
  ],
  typeFuncName: [
  'collation', 'cross', 'full', 'inner', 'ilike', 'is', 'isnull', 'join', 'left', 'like', 'natural', 'none', 'notnull',
  'outer', 'overlaps', 'right', 'similar', 'family',
  ],
  reserved: [
  'all', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric', 'both', 'case', 'cast', 'check',
  'collate', 'column', 'concurrently', 'constraint', 'create', 'current_catalog', 'current_date', 'current_role',
  'current_schema', 'current_time', 'current_timestamp', 'current_user', 'default', 'deferrable', 'desc', 'distinct',
  'do', 'else', 'end', 'except', 'false', 'fetch', 'for', 'foreign', 'from', 'grant', 'group', 'having', 'in',
  'initially', 'intersect', 'into', 'lateral', 'leading', 'limit', 'localtime', 'localtimestamp', 'not', 'null',
  'offset', 'on', 'only', 'or', 'order', 'placing', 'primary', 'references', 'returning', 'select', 'session_user',
  'some', 'symmetric', 'table', 'then', 'to', 'trailing', 'true', 'union', 'unique', 'user', 'using', 'variadic',
  'when', 'where', 'window', 'with', 'index', 'nothing',
  ],
} as const;
