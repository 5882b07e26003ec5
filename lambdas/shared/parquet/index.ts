export { ParquetFileError, ParquetValueError } from './parquet-errors';
export { readParquetRows } from './parquet-reader';
export {
  type ParquetColumn,
  type ParquetColumnType,
  SOURCE_UPDATED_AT,
  parquetColumnsOf,
  parquetSchemaOf,
} from './parquet-schema';
export { type ParquetTableWriter, openParquetWriter, writeParquetBuffer } from './parquet-writer';
