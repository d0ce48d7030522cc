import { Module } from '@nestjs/common';

import { SupportErasure } from './support-erasure';

/** The support desk's erasure part alone, for the worker's deletion sweep. */
@Module({ providers: [SupportErasure] })
export class SupportErasureModule {}
