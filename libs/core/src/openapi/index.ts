export * from './api-problems.decorator';
export * from './api-security.decorator';
export * from './openapi-document';
export * from './problem.dto';
