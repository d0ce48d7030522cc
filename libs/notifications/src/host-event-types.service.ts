import { Clock, FieldError, LINK_KIND_NAMES, LINK_KINDS, Links } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import Handlebars from 'handlebars';
import { DataSource, EntityManager } from 'typeorm';

import { CHANNELS, Channel, EVENT_CATALOGUE, EventDefinition, EventType } from './event-catalogue';
import { STANDARD_VARIABLES, SchemaNode, checkTemplate } from './host-template-check';
import { notificationsError } from './notifications.exception';
import { RenderedMessage, TemplateRenderer, localeChain } from './template-renderer';

export const HOST_EVENT_CATEGORIES = ['product', 'transactional', 'marketing'] as const;
export type HostEventCategory = (typeof HOST_EVENT_CATEGORIES)[number];

/**
 * Host event types live in their own namespace, `host.`, which the built-in catalogue never uses:
 * a type the host registers can never take the name of a built-in one, today or after an upgrade.
 */
export const HOST_EVENT_NAME = /^host(\.[a-z][a-z0-9_]{0,39}){1,4}$/;
export const HOST_LANGUAGE = /^[a-z]{2,3}(-[a-z0-9]{2,8})?$/;
export const DEFAULT_LANGUAGE = 'en';

/** The templates of one language; each channel of the type needs its part in `en`. */
export interface HostTemplateSet {
  email?: { subject: string; html: string; text: string };
  inApp?: { title: string; body: string };
  sms?: { text: string };
  discord?: { text: string };
}

const TEMPLATE_PARTS = {
  email: { key: 'email', parts: { subject: 300, html: 50_000, text: 20_000 } },
  in_app: { key: 'inApp', parts: { title: 300, body: 2_000 } },
  sms: { key: 'sms', parts: { text: 600 } },
  discord: { key: 'discord', parts: { text: 2_000 } },
} as const satisfies Record<Channel, { key: keyof HostTemplateSet; parts: Record<string, number> }>;

const MAX_LANGUAGES = 30;
const MAX_SCHEMA_CHARS = 20_000;
const CACHE_LIMIT = 2_000;

export interface HostEventTypeInput {
  category: HostEventCategory;
  description: string;
  channels: Channel[];
  defaults?: Channel[];
  dataSchema: Record<string, unknown>;
  templates: Record<string, HostTemplateSet>;
}

export interface HostEventTypeVersion {
  name: string;
  version: number;
  category: HostEventCategory;
  description: string;
  channels: Channel[];
  defaults: Channel[];
  dataSchema: Record<string, unknown>;
  templates: Record<string, HostTemplateSet>;
  createdAt: Date;
  createdBy: string;
  retiredAt: Date | null;
}

interface Row {
  name: string;
  version: number;
  category: HostEventCategory;
  description: string;
  channels: Channel[] | string;
  defaults: Channel[] | string;
  data_schema: Record<string, unknown> | string;
  templates: Record<string, HostTemplateSet> | string;
  created_at: Date | string;
  created_by: string;
  retired_at: Date | string | null;
}

const COLUMNS = `name, version, category, description, channels, defaults, data_schema, templates, created_at, created_by, retired_at`;

function json<T>(v: T | string): T {
  return typeof v === 'string' ? (JSON.parse(v) as T) : v;
}

/** text[] comes back as an array from pg and as a '{a,b}' literal from some drivers. */
function textArray<T extends string>(v: T[] | string): T[] {
  return Array.isArray(v)
    ? v
    : (v
        .replace(/^\{|\}$/g, '')
        .split(',')
        .filter(Boolean) as T[]);
}

function fromRow(r: Row): HostEventTypeVersion {
  return {
    name: r.name,
    version: Number(r.version),
    category: r.category,
    description: r.description,
    channels: textArray(r.channels),
    defaults: textArray(r.defaults),
    dataSchema: json(r.data_schema),
    templates: json(r.templates),
    createdAt: new Date(r.created_at),
    createdBy: r.created_by,
    retiredAt: r.retired_at ? new Date(r.retired_at) : null,
  };
}

/** The field of an event's `data` an Ajv error is about: `data.amount`, `data.items.0.sku`. */
function dataField(e: ErrorObject): string {
  const base = [
    'data',
    ...e.instancePath
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')),
  ];
  const params = e.params as { missingProperty?: string; additionalProperty?: string };
  const extra = params.missingProperty ?? params.additionalProperty;
  return [...base, ...(extra ? [extra] : [])].join('.');
}

function newAjv(): Ajv {
  // strict: a misspelt keyword ("requried") is refused at registration instead of silently ignored.
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

/** A bounded map: full means cleared, which costs a recompile of what is in use, nothing more. */
class BoundedCache<V> extends Map<string, V> {
  override set(key: string, value: V): this {
    if (this.size >= CACHE_LIMIT) {
      this.clear();
    }
    return super.set(key, value);
  }
}

/**
 * Event types the host application registers through the service API (written by
 * HostEventTypesManager). Each version is
 * immutable, so everything compiled from one (templates, the data validator) is cached under
 * `name@version` and can never go stale on any instance: a new version is a new key. Which
 * version is the latest, and whether a type is retired, is read from the database each time.
 */
@Injectable()
export class HostEventTypesService {
  private readonly hbs = Handlebars.create();
  private readonly templates = new BoundedCache<Handlebars.TemplateDelegate>();
  private readonly validators = new BoundedCache<ValidateFunction>();
  private readonly versions = new BoundedCache<HostEventTypeVersion>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly renderer: TemplateRenderer,
    private readonly links: Links,
  ) {}

  /** The latest version of each type, by name; retired ones only when asked. */
  async list(query: { limit: number; after?: string; includeRetired: boolean }): Promise<HostEventTypeVersion[]> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT ON (name) ${COLUMNS} FROM notification_event_types
        WHERE ($1::text IS NULL OR name > $1) AND ($2::boolean OR retired_at IS NULL)
        ORDER BY name, version DESC LIMIT $3`,
      [query.after ?? null, query.includeRetired, query.limit],
    )) as Row[];
    return rows.map(fromRow);
  }

  /** Every version of a type, newest first (404 when it was never registered). */
  async history(name: string): Promise<HostEventTypeVersion[]> {
    const rows = (await this.dataSource.query(`SELECT ${COLUMNS} FROM notification_event_types WHERE name = $1 ORDER BY version DESC`, [
      name,
    ])) as Row[];
    if (rows.length === 0) {
      throw this.notFound(name);
    }
    return rows.map(fromRow);
  }

  /** One version, retired or not: what a queued row renders with. Cached, versions never change. */
  async version(name: string, version: number): Promise<HostEventTypeVersion | undefined> {
    const key = `${name}@${version}`;
    const cached = this.versions.get(key);
    if (cached) {
      return cached;
    }
    const [row] = (await this.dataSource.query(`SELECT ${COLUMNS} FROM notification_event_types WHERE name = $1 AND version = $2`, [
      name,
      version,
    ])) as Row[];
    if (!row) {
      return undefined;
    }
    const found = fromRow(row);
    // retiredAt is the one column that changes; nothing that renders reads it.
    this.versions.set(key, { ...found, retiredAt: null });
    return found;
  }

  /**
   * Every event a person or an account can set channels for: the built-in catalogue, then the
   * host's registered types that are not retired (their latest version). The preferences grid
   * and the account defaults grid both list these.
   */
  async allDefinitions(m?: EntityManager): Promise<Array<[string, EventDefinition]>> {
    const builtIn = (Object.keys(EVENT_CATALOGUE) as EventType[]).map((e): [string, EventDefinition] => [e, EVENT_CATALOGUE[e]]);
    const host = (await this.active(m)).map((t): [string, EventDefinition] => [t.name, this.definition(t)]);
    return [...builtIn, ...host];
  }

  /** The latest version of every type that is not retired: the preferences grid and the catalogue. */
  async active(m?: EntityManager): Promise<HostEventTypeVersion[]> {
    const rows = (await (m ?? this.dataSource).query(
      `SELECT DISTINCT ON (name) ${COLUMNS} FROM notification_event_types ORDER BY name, version DESC`,
    )) as Row[];
    return rows.filter((r) => !r.retired_at).map(fromRow);
  }

  /** The version a published event uses: the one it names, or the latest. Retired or unknown types are refused. */
  async forPublish(name: string, version?: number): Promise<HostEventTypeVersion> {
    const history = await this.dataSource.query(
      `SELECT version, retired_at FROM notification_event_types WHERE name = $1 ORDER BY version DESC`,
      [name],
    );
    const versions = history as Array<{ version: number; retired_at: Date | null }>;
    if (versions.length === 0 || versions[0].retired_at) {
      throw notificationsError('UNKNOWN_EVENT_TYPE', `Invalid field(s): type.`, {
        errors: [
          {
            field: 'type',
            message: `is not an event the host may publish${versions.length ? ' (retired)' : ''} (GET /api/v1/events/catalogue)`,
          },
        ],
      });
    }
    const wanted = version ?? Number(versions[0].version);
    const found = versions.some((v) => Number(v.version) === wanted) ? await this.version(name, wanted) : undefined;
    if (!found) {
      throw notificationsError('INVALID_EVENT_DATA', 'Invalid field(s): version.', {
        errors: [{ field: 'version', message: `${name} has no version ${wanted} (latest: ${versions[0].version})` }],
      });
    }
    return found;
  }

  /** The problems of an event's data against the type's JSON Schema, each naming its field. */
  validateData(type: HostEventTypeVersion, data: Record<string, unknown>): FieldError[] {
    const key = `${type.name}@${type.version}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = newAjv().compile(type.dataSchema);
      this.validators.set(key, validate);
    }
    if (validate(data)) {
      return [];
    }
    return (validate.errors ?? []).map((e) => ({ field: dataField(e), message: e.message ?? 'is invalid' }));
  }

  /** What the delivery path needs of a type, in the shape of a catalogue entry. */
  definition(type: HostEventTypeVersion): EventDefinition {
    return {
      category: type.category,
      template: '',
      subject: '',
      description: type.description,
      channels: type.channels,
      defaults: type.defaults,
      // Transactional host messages (a payment confirmation) always reach email, like the built-in ones.
      mandatoryEmail: type.category === 'transactional' && type.channels.includes('email'),
      marketing: type.category === 'marketing',
      hostPublishable: true,
    };
  }

  /**
   * One channel's message, in the recipient's language when the type has it (else English).
   * `subject` is the title, `summary` the short text (in-app, SMS, Discord).
   */
  render(type: HostEventTypeVersion, channel: Channel, context: Record<string, unknown>): RenderedMessage {
    const spec = TEMPLATE_PARTS[channel];
    const languages = [...localeChain(typeof context.locale === 'string' ? context.locale : undefined), DEFAULT_LANGUAGE];
    const language = languages.find((l) => type.templates[l]?.[spec.key]) ?? DEFAULT_LANGUAGE;
    const ctx = { ...context, links: this.links.plain() };
    const part = (name: string, noEscape: boolean): string => {
      const key = `${type.name}@${type.version}:${language}:${channel}:${name}`;
      let tpl = this.templates.get(key);
      if (!tpl) {
        const source = (type.templates[language]?.[spec.key] as Record<string, string> | undefined)?.[name];
        if (source === undefined) {
          throw new Error(`${type.name}@${type.version} has no ${channel} template`);
        }
        tpl = this.hbs.compile(source, { noEscape, strict: false });
        this.templates.set(key, tpl);
      }
      return tpl(ctx);
    };
    switch (channel) {
      case 'email':
        return this.renderer.inLayout({ subject: part('subject', true), html: part('html', false), text: part('text', true) }, context);
      case 'in_app': {
        const subject = part('title', true).trim();
        return { subject, html: '', text: '', summary: part('body', true).trim() };
      }
      case 'sms':
      case 'discord': {
        const summary = part('text', true).trim();
        return { subject: type.description, html: '', text: summary, summary };
      }
    }
  }

  async insert(m: EntityManager, name: string, version: number, input: HostEventTypeInput, by: string): Promise<HostEventTypeVersion> {
    const channels = CHANNELS.filter((c) => input.channels.includes(c));
    const defaults = input.defaults ? channels.filter((c) => input.defaults!.includes(c)) : channels;
    const templates = Object.fromEntries(
      Object.entries(input.templates).map(([lang, set]) => [
        lang,
        Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined && v !== null)) as HostTemplateSet,
      ]),
    );
    const [row] = (await m.query(
      `INSERT INTO notification_event_types (name, version, category, description, channels, defaults, data_schema, templates, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
      [
        name,
        version,
        input.category,
        input.description,
        channels,
        defaults,
        JSON.stringify(input.dataSchema),
        JSON.stringify(templates),
        this.clock.now(),
        by,
      ],
    )) as Row[];
    return fromRow(row);
  }

  nameErrors(name: string): FieldError[] {
    if (!HOST_EVENT_NAME.test(name)) {
      return [
        {
          field: 'name',
          message: 'must be host.<segment>[.<segment>…]: lowercase letters, digits and _, up to 4 segments (e.g. host.call.missed)',
        },
      ];
    }
    if (Object.prototype.hasOwnProperty.call(EVENT_CATALOGUE, name)) {
      return [{ field: 'name', message: 'is a built-in event' }];
    }
    return [];
  }

  /** Everything wrong with a definition, each problem naming its field (and, in a template, the line). */
  check(input: HostEventTypeInput): FieldError[] {
    const errors: FieldError[] = [];
    const channels = input.channels ?? [];
    for (const [i, d] of (input.defaults ?? []).entries()) {
      if (!channels.includes(d)) {
        errors.push({ field: `defaults.${i}`, message: `${d} is not among the type's channels (${channels.join(', ')})` });
      }
    }
    const schemaErrors = this.checkSchema(input.dataSchema);
    errors.push(...schemaErrors);
    const schema: SchemaNode | null = schemaErrors.length === 0 ? (input.dataSchema as SchemaNode) : null;
    const templates = input.templates ?? {};
    const languages = Object.keys(templates);
    if (languages.length > MAX_LANGUAGES) {
      errors.push({ field: 'templates', message: `at most ${MAX_LANGUAGES} languages` });
      return errors;
    }
    if (!templates[DEFAULT_LANGUAGE] || typeof templates[DEFAULT_LANGUAGE] !== 'object') {
      errors.push({ field: `templates.${DEFAULT_LANGUAGE}`, message: 'is required: English is the fallback of every other language' });
    }
    const linkKinds = LINK_KIND_NAMES.filter((k) => !LINK_KINDS[k].token);
    for (const lang of languages) {
      const set = templates[lang] as Record<string, unknown>;
      if (!HOST_LANGUAGE.test(lang)) {
        errors.push({ field: `templates.${lang}`, message: 'is not a language tag (en, es, pt-br…)' });
        continue;
      }
      if (!set || typeof set !== 'object' || Array.isArray(set)) {
        errors.push({ field: `templates.${lang}`, message: 'must be an object of channel templates' });
        continue;
      }
      const known = new Map(Object.entries(TEMPLATE_PARTS).map(([c, s]) => [s.key as string, c as Channel]));
      for (const key of Object.keys(set)) {
        const channel = known.get(key);
        if (!channel) {
          errors.push({ field: `templates.${lang}.${key}`, message: 'is not a channel template (email, inApp, sms, discord)' });
        } else if (!channels.includes(channel)) {
          errors.push({ field: `templates.${lang}.${key}`, message: `${channel} is not among the type's channels` });
        }
      }
      for (const channel of channels) {
        const spec = TEMPLATE_PARTS[channel];
        const parts = set[spec.key] as Record<string, unknown> | undefined;
        if (parts === undefined || parts === null) {
          if (lang === DEFAULT_LANGUAGE) {
            errors.push({ field: `templates.${lang}.${spec.key}`, message: `is required: ${channel} is a channel of the type` });
          }
          continue;
        }
        if (typeof parts !== 'object' || Array.isArray(parts)) {
          errors.push({ field: `templates.${lang}.${spec.key}`, message: `must be an object with ${Object.keys(spec.parts).join(', ')}` });
          continue;
        }
        for (const key of Object.keys(parts)) {
          if (!(key in spec.parts)) {
            errors.push({ field: `templates.${lang}.${spec.key}.${key}`, message: `is not a part of the ${channel} template` });
          }
        }
        for (const [part, max] of Object.entries(spec.parts)) {
          const field = `templates.${lang}.${spec.key}.${part}`;
          const source = parts[part];
          if (typeof source !== 'string' || source.trim() === '') {
            errors.push({ field, message: 'is required (a Handlebars template)' });
          } else if (source.length > max) {
            errors.push({ field, message: `is longer than ${max} characters` });
          } else {
            errors.push(...checkTemplate(field, source, schema, linkKinds));
          }
        }
      }
    }
    return errors;
  }

  private checkSchema(schema: Record<string, unknown>): FieldError[] {
    if (!schema || typeof schema !== 'object' || Array.isArray(schema)) {
      return [{ field: 'dataSchema', message: 'must be a JSON Schema object' }];
    }
    if (JSON.stringify(schema).length > MAX_SCHEMA_CHARS) {
      return [{ field: 'dataSchema', message: `is longer than ${MAX_SCHEMA_CHARS} characters` }];
    }
    if (schema.type !== 'object') {
      return [{ field: 'dataSchema.type', message: 'must be "object": data is an object of named fields' }];
    }
    const ajv = newAjv();
    if (!ajv.validateSchema(schema)) {
      return (ajv.errors ?? []).map((e) => ({
        field: ['dataSchema', ...e.instancePath.split('/').slice(1)].join('.'),
        message: `${e.message ?? 'is invalid'} (not a valid JSON Schema)`,
      }));
    }
    try {
      ajv.compile(schema);
    } catch (err) {
      return [{ field: 'dataSchema', message: `is not a usable JSON Schema: ${(err as Error).message}` }];
    }
    const props = (schema.properties ?? {}) as Record<string, unknown>;
    return Object.keys(props)
      .filter((p) => (STANDARD_VARIABLES as readonly string[]).includes(p))
      .map((p) => ({
        field: `dataSchema.properties.${p}`,
        message: `${p} is a standard variable every template gets; name the field otherwise`,
      }));
  }

  invalid(errors: FieldError[]) {
    return notificationsError('INVALID_EVENT_TYPE', `Invalid field(s): ${[...new Set(errors.map((e) => e.field))].join(', ')}.`, {
      errors,
    });
  }

  notFound(name: string) {
    return notificationsError('EVENT_TYPE_NOT_FOUND', `No event type ${name.slice(0, 100)} is registered.`);
  }
}
