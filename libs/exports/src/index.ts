export * from './data-exports.service';
export * from './dto/data-export.dto';
export * from './export-exclusions';
export * from './export-runner';
export * from './export-storage';
export * from './exports.constants';
export * from './exports.exception';
export * from './exports.module';
