export { ParquetFileError, ParquetValueError } from './parquet-errors';
export { type ColumnGroup, readParquetColumns, readParquetRows } from './parquet-reader';
export {
  type ParquetColumn,
  type ParquetColumnType,
  SOURCE_UPDATED_AT,
  parquetColumnsOf,
  parquetSchemaOf,
} from './parquet-schema';
export { type ParquetTableWriter, openParquetWriter, writeParquetBuffer } from './parquet-writer';
