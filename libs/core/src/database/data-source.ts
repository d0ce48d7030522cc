import 'reflect-metadata';

import * as path from 'node:path';

import { DataSource } from 'typeorm';

import { loadConfig } from '../config/app-config';
import { dataSourceOptions, databaseTarget } from './data-source-options';

/**
 * The DataSource for the TypeORM CLI (`npm run migration:generate`) and the operator CLI.
 * Entities are found by file name across every lib.
 */
export default new DataSource({
  ...dataSourceOptions(databaseTarget(loadConfig())),
  entities: [path.resolve(__dirname, '../../../**/*.entity.{js,ts}')],
});
