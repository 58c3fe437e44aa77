import { describe, expect, it } from 'vitest';
import { ApiError } from '@/lib/api-client';
import type { ChatSettings } from '../api/chat';
import { backendExamples, draftOf, fieldErrors, toPatch } from './chat-widget-settings';

const saved: ChatSettings = {
  enabled: true,
  allowed_origins: ['https://shop.example'],
  color: '#1c7ed6',
  text_color: '#ffffff',
  position: 'right',
  greetings: { en: 'Hi!', de: 'Hallo!' },
  default_locale: 'en',
  offline_mode: 'message',
  require_identity: false,
  identity_secret_set: true,
  identity_secret_hint: 'abcd',
  embed_snippet: '<script src="http://x/widget.js" data-workspace="demo" async></script>',
  agents_online: 1,
  updated_at: '2026-05-01T10:00:00Z',
};

describe('toPatch', () => {
  it('sends nothing when nothing changed', () => {
    expect(toPatch(saved, draftOf(saved))).toEqual({});
  });

  it('sends the sites as a list, one per line, and changed greetings whole', () => {
    const d = draftOf(saved);
    d.sites = 'https://shop.example\n\n  http://127.0.0.2:*  ';
    d.greetings = [...d.greetings, { locale: 'fr', text: 'Bonjour !' }];
    expect(toPatch(saved, d)).toEqual({
      allowed_origins: ['https://shop.example', 'http://127.0.0.2:*'],
      greetings: { en: 'Hi!', de: 'Hallo!', fr: 'Bonjour !' },
    });
  });
});

describe('fieldErrors', () => {
  it('maps problem pointers to fields', () => {
    const e = new ApiError(422, {
      code: 'invalid_input',
      errors: [
        { pointer: '/allowed_origins/1', detail: 'must be an origin' },
        { pointer: '/color', detail: 'must be a colour' },
      ],
    });
    expect(fieldErrors(e)).toEqual({ allowed_origins: '1: must be an origin', color: 'must be a colour' });
  });
});

describe('backendExamples', () => {
  it('shows the HMAC for the backend and the identify call for the page, never a real secret', () => {
    const all = backendExamples().map((e) => e.code).join('\n');
    expect(all).toContain("createHmac('sha256'");
    expect(all).toContain("AutoCRM('identify'");
    expect(all).not.toContain('chs_');
  });
});
