import { z } from 'zod';

/**
 * `GET /api/config`: the limits a client needs to offer only what the server accepts (the page's
 * TTL picker, its length check). Server settings only; nothing about anyone.
 */
export const ClientConfigSchema = z.object({
  version: z.string(),
  maxTtlSeconds: z.int().min(1).describe('Longest TTL a message may ask for, seconds'),
  defaultTtlSeconds: z.int().min(0).describe('TTL of a message sent without one, seconds (0 = burn after reading)'),
  burnAfterReadSeconds: z.int().min(1).describe('Seconds a burn-after-reading message lives once read'),
  maxMessageLength: z.int().min(1).describe('Longest `message` / `caption`, characters (a sealed text included)'),
  maxAgentIdLength: z.int().min(1).describe('Longest participant name, characters'),
  maxImageBytes: z.int().min(1).describe('Largest image, bytes'),
});

export type ClientConfig = z.infer<typeof ClientConfigSchema>;
