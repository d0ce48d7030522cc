export * from './sms-gateway';
