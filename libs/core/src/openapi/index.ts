export * from './api-problems.decorator';
export * from './problem.dto';
