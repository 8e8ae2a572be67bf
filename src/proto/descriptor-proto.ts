/**
 * A `.proto` subset of `cockroach.sql.sqlbase.Descriptor` and the messages it uses, loaded at
 * runtime with protobufjs (docs/formats.md §3; `crdb: pkg/sql/catalog/descpb/structured.proto`,
 * older `pkg/sql/sqlbase/structured.proto`, `pkg/sql/types/types.proto`).
 *
 * Why our own subset rather than `@cockroachlabs/crdb-protobuf-client` (§3.12): that package needs a
 * bundler or a patched copy to load under Node ESM, weighs ~11 MB, and needs a monkey-patch for the
 * `types.T` wire quirk. A subset keeps the wire quirk explicit (column types are declared as
 * `InternalType`, §3.9), includes the pre-20.1 fields (FKs in IndexDescriptor 9/10, interleave,
 * `visible_type`, `array_elem_type`) and lets unknown fields of newer versions be skipped.
 * Enums are declared as int32 so values from newer versions never fail to decode.
 * Field numbers are never reused in CockroachDB's protos, so one schema serves v1.0 … v25.x.
 */
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto2";
package crdb;

message Timestamp { optional int64 wall_time = 1; optional int32 logical = 2; }

message IntervalDurationField { optional int32 duration_type = 1; optional int32 from_duration_type = 2; }
message GeoMetadata { optional int32 srid = 1; optional int32 shape_type = 2; }
message UDTMetadata { optional uint32 array_type_oid = 2; }

// types.InternalType; pre-19.2 ColumnType uses the same numbers (semantic_type = 1).
message InternalType {
  optional int32 family = 1;
  optional int32 width = 2;
  optional int32 precision = 3;
  repeated int32 array_dimensions = 4;
  optional string locale = 5;
  optional int32 visible_type = 6;
  optional int32 array_elem_type = 7;
  repeated InternalType tuple_contents = 8;
  repeated string tuple_labels = 9;
  optional uint32 oid = 10;
  optional InternalType array_contents = 11;
  optional bool time_precision_is_set = 12;
  optional IntervalDurationField interval_duration_field = 13;
  optional GeoMetadata geo_metadata = 14;
  optional UDTMetadata udt_metadata = 15;
}

message ColumnDescriptor {
  optional string name = 1;
  optional uint32 id = 2;
  optional InternalType type = 3;
  optional bool nullable = 4;
  optional string default_expr = 5;
  optional bool hidden = 6;
  repeated uint32 uses_sequence_ids = 10;
  optional string compute_expr = 11;
  repeated uint32 owns_sequence_ids = 12;
  optional uint32 pg_attribute_num = 13;
  optional int32 system_column_kind = 15;
  optional bool virtual = 16;
  optional bool inaccessible = 17;
  optional string on_update_expr = 18;
  optional int32 generated_as_identity_type = 19;
  optional string generated_as_identity_sequence_option = 20;
}

message ColumnFamilyDescriptor {
  optional string name = 1;
  optional uint32 id = 2;
  repeated string column_names = 3;
  repeated uint32 column_ids = 4;
  optional uint32 default_column_id = 5;
}

message ForeignKeyReference {
  optional uint32 table = 1;
  optional uint32 index = 2;
  optional string name = 3;
  optional int32 validity = 4;
  optional int32 shared_prefix_len = 5;
  optional int32 on_delete = 6;
  optional int32 on_update = 7;
  optional int32 match = 8;
}

message InterleaveAncestor { optional uint32 table_id = 1; optional uint32 index_id = 2; optional uint32 shared_prefix_len = 3; }
message InterleaveDescriptor { repeated InterleaveAncestor ancestors = 1; }

message PartitionName { optional string name = 1; }
message PartitioningDescriptor {
  optional uint32 num_columns = 1;
  repeated PartitionName list = 2;
  repeated PartitionName range = 3;
  optional uint32 num_implicit_columns = 4;
}

message ShardedDescriptor {
  optional bool is_sharded = 1;
  optional string name = 2;
  optional int32 shard_buckets = 3;
  repeated string column_names = 4;
}

message IndexDescriptor {
  optional string name = 1;
  optional uint32 id = 2;
  optional bool unique = 3;
  repeated string key_column_names = 4;
  repeated string store_column_names = 5;
  repeated uint32 key_column_ids = 6;
  repeated uint32 key_suffix_column_ids = 7;
  repeated int32 key_column_directions = 8;
  optional ForeignKeyReference foreign_key = 9;
  repeated ForeignKeyReference referenced_by = 10;
  optional InterleaveDescriptor interleave = 11;
  repeated uint32 composite_column_ids = 13;
  repeated uint32 store_column_ids = 14;
  optional PartitioningDescriptor partitioning = 15;
  optional int32 type = 16;
  optional int32 version = 18;
  optional int32 encoding_type = 19;
  optional ShardedDescriptor sharded = 20;
  optional string predicate = 23;
  optional bool use_delete_preserving_encoding = 24;
  optional uint32 constraint_id = 26;
  repeated int32 inverted_column_kinds = 27;
  optional bool not_visible = 28;
  optional double invisibility = 29;
}

// descpb.ConstraintToUpdate: constraint_type 0 CHECK, 1 FOREIGN_KEY, 2 NOT_NULL, 3 UNIQUE_WITHOUT_INDEX.
message ConstraintToUpdate {
  optional int32 constraint_type = 1;
  optional string name = 2;
  optional CheckConstraint check = 3;
  optional ForeignKeyConstraint foreign_key = 4;
  optional uint32 not_null_column = 6;
  optional UniqueWithoutIndexConstraint unique_without_index_constraint = 7;
}
message PrimaryKeySwap {
  optional uint32 new_primary_index_id = 1;
  repeated uint32 old_indexes = 2;
  repeated uint32 new_indexes = 3;
  optional uint32 old_primary_index_id = 4;
  optional string new_primary_index_name = 5;
}
message ComputedColumnSwap { optional uint32 new_column_id = 1; optional uint32 old_column_id = 2; optional string inverse_expr = 3; }
message MaterializedViewRefresh { optional bool should_backfill = 4; }
message ModifyRowLevelTTL { optional RowLevelTTL row_level_ttl = 1; }

// One in-flight schema change (a oneof in CockroachDB): state 1 DELETE_ONLY, 2 DELETE_AND_WRITE_ONLY
// (WRITE_ONLY in newer sources), 3 BACKFILLING, 4 MERGING; direction 1 ADD, 2 DROP.
message DescriptorMutation {
  optional ColumnDescriptor column = 1;
  optional IndexDescriptor index = 2;
  optional int32 state = 3;
  optional int32 direction = 4;
  optional uint32 mutation_id = 5;
  optional bool rollback = 7;
  optional ConstraintToUpdate constraint = 8;
  optional PrimaryKeySwap primaryKeySwap = 9;
  optional ComputedColumnSwap computedColumnSwap = 10;
  optional MaterializedViewRefresh materializedViewRefresh = 11;
  optional ModifyRowLevelTTL modify_row_level_ttl = 12;
}

message CheckConstraint {
  optional string expr = 1;
  optional string name = 2;
  optional int32 validity = 3;
  repeated uint32 column_ids = 5;
  optional bool is_non_null_constraint = 6;
  optional bool from_hash_sharded_column = 7;
  optional uint32 constraint_id = 8;
}

message ForeignKeyConstraint {
  optional uint32 origin_table_id = 1;
  repeated uint32 origin_column_ids = 2;
  repeated uint32 referenced_column_ids = 3;
  optional uint32 referenced_table_id = 4;
  optional string name = 5;
  optional int32 validity = 6;
  optional int32 on_delete = 7;
  optional int32 on_update = 8;
  optional int32 match = 9;
  optional uint32 constraint_id = 14;
}

message UniqueWithoutIndexConstraint {
  optional uint32 table_id = 1;
  repeated uint32 column_ids = 2;
  optional string name = 3;
  optional int32 validity = 4;
  optional string predicate = 5;
  optional uint32 constraint_id = 6;
}

message SequenceOwner { optional uint32 owner_column_id = 1; optional uint32 owner_table_id = 2; }
message SequenceOpts {
  optional int64 increment = 1;
  optional int64 min_value = 2;
  optional int64 max_value = 3;
  optional int64 start = 4;
  optional bool virtual = 5;
  optional SequenceOwner sequence_owner = 6;
  optional int64 cache_size = 7;
  optional string as_integer_type = 8;
}

message RegionalByTable { optional string region = 1; }
message RegionalByRow { optional string as = 1; }
message Global {}
message LocalityConfig {
  optional Global global = 1;
  optional RegionalByTable regional_by_table = 2;
  optional RegionalByRow regional_by_row = 3;
}

// catpb.RowLevelTTL (22.1+); expiration_expr = 11 from newer releases [M].
message RowLevelTTL {
  optional string duration_expr = 1;
  optional int64 select_batch_size = 2;
  optional int64 delete_batch_size = 3;
  optional string deletion_cron = 4;
  optional bool pause = 8;
  optional string expiration_expr = 11;
}

message TableDescriptor {
  optional string name = 1;
  optional uint32 id = 3;
  optional uint32 parent_id = 4;
  optional uint32 version = 5;
  optional Timestamp modification_time = 7;
  repeated ColumnDescriptor columns = 8;
  optional uint32 next_column_id = 9;
  optional IndexDescriptor primary_index = 10;
  repeated IndexDescriptor indexes = 11;
  repeated DescriptorMutation mutations = 14;
  optional uint32 format_version = 17;
  optional int32 state = 19;
  repeated CheckConstraint checks = 20;
  repeated ColumnFamilyDescriptor families = 22;
  optional string view_query = 24;
  optional SequenceOpts sequence_opts = 28;
  optional string offline_reason = 38;
  repeated ForeignKeyConstraint outbound_fks = 36;
  repeated ForeignKeyConstraint inbound_fks = 37;
  optional bool temporary = 39;
  optional uint32 unexposed_parent_schema_id = 40;
  optional bool is_materialized_view = 41;
  optional LocalityConfig locality_config = 42;
  repeated UniqueWithoutIndexConstraint unique_without_index_constraints = 43;
  optional RowLevelTTL row_level_ttl = 47;
  optional bool exclude_data_from_backup = 48;
  optional bool schema_locked = 58;
}

message SchemaInfo { optional uint32 id = 1; optional bool dropped = 2; }
message DatabaseDescriptor {
  optional string name = 1;
  optional uint32 id = 2;
  optional uint32 version = 5;
  map<string, SchemaInfo> schemas = 7;
  optional int32 state = 8;
}

message SchemaDescriptor {
  optional uint32 parent_id = 1;
  optional string name = 2;
  optional uint32 id = 3;
  optional int32 state = 8;
}

message EnumMember {
  optional bytes physical_representation = 1;
  optional string logical_representation = 2;
  optional int32 capability = 3;
  optional int32 direction = 4;
}
message CompositeElement { optional InternalType element_type = 1; optional string element_label = 2; }
message Composite { repeated CompositeElement elements = 1; }
message TypeDescriptor {
  optional uint32 parent_id = 1;
  optional uint32 parent_schema_id = 2;
  optional string name = 3;
  optional uint32 id = 4;
  optional int32 kind = 5;
  repeated EnumMember enum_members = 6;
  optional InternalType alias = 7;
  optional uint32 array_type_id = 8;
  optional int32 state = 13;
  optional Composite composite = 18;
}

message FunctionParam {
  optional int32 class = 1;
  optional string name = 2;
  optional InternalType type = 3;
  optional string default_expr = 4;
}
message FunctionReturnType { optional InternalType type = 1; optional bool return_set = 2; }
message FunctionDescriptor {
  optional string name = 1;
  optional uint32 id = 2;
  optional uint32 parent_id = 3;
  optional uint32 parent_schema_id = 4;
  repeated FunctionParam params = 5;
  optional FunctionReturnType return_type = 6;
  optional int32 lang = 7;
  optional string function_body = 8;
  optional int32 volatility = 9;
  optional int32 state = 16;
  optional bool is_procedure = 21;
}

message Descriptor {
  oneof union {
    TableDescriptor table = 1;
    DatabaseDescriptor database = 2;
    TypeDescriptor type = 3;
    SchemaDescriptor schema = 4;
    FunctionDescriptor function = 5;
  }
}
`;

let root: protobuf.Root | undefined;

/** The `crdb.Descriptor` protobufjs type (parsed once). */
export function descriptorType(): protobuf.Type {
  root ??= protobuf.parse(PROTO, { keepCase: true }).root;
  return root.lookupType('crdb.Descriptor');
}
