export * from './dto/session.dto';
export * from './session.entity';
export * from './sessions.exception';
export * from './sessions.module';
export * from './sessions.service';
