export * from './lifecycle';
export * from './background-tasks';
