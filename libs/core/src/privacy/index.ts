export * from './personal-data-erasure';
