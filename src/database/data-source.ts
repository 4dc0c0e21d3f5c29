import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source.options';

/** Entry point for the TypeORM CLI (`npm run migration:*`); the app builds the same options in DatabaseModule. */
export default new DataSource(dataSourceOptions(AppConfig.fromEnv(process.env)));
