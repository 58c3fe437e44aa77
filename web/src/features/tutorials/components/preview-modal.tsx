/** Walks the draft as a customer would, in one language (nothing is recorded). */
import { Alert, Badge, Button, Code, Group, Modal, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { SafeHtml } from '@/components/ui/safe-html';
import type { Image, LocaleText, Step } from '../api/tutorials';
import { pick, prefillText, transcript, type PathEntry } from '../lib/walk';

export interface PreviewProps {
  title: LocaleText;
  steps: Step[];
  start: string;
  locale: string;
  defaultLocale: string;
  images: Image[];
  onClose: () => void;
}

export function PreviewModal({ title, steps, start, locale, defaultLocale, images, onClose }: PreviewProps) {
  const [path, setPath] = useState<PathEntry[]>([]);
  const [at, setAt] = useState(start);
  const [outcome, setOutcome] = useState<{ type: string; message?: string; url?: string; subject?: string } | null>(null);
  const t = (text: LocaleText | undefined) => pick(text, locale, defaultLocale);
  const step = steps.find((s) => s.key === at);
  const name = t(title);

  const handleChoose = (key: string) => {
    if (!step) return;
    const choice = step.choices?.find((c) => c.key === key);
    if (!choice) return;
    const next = [...path, { step: step.key, choice: key }];
    setPath(next);
    const target = choice.target;
    if (target.type === 'step') setAt(target.step);
    else if (target.type === 'solved') setOutcome({ type: 'solved', message: t(target.message) });
    else if (target.type === 'article') setOutcome({ type: 'article', url: target.url });
    else setOutcome({ type: 'open_ticket', subject: t(target.subject) || name });
  };
  const handleRestart = () => {
    setPath([]);
    setAt(start);
    setOutcome(null);
  };
  const image = step?.image ? images.find((i) => i.id === step.image) : undefined;

  return (
    <Modal opened onClose={onClose} title={`Preview: ${name} (${locale})`} size="lg">
      <Stack gap="sm" data-testid="tutorial-preview">
        {!outcome && step && (
          <>
            <Text size="xs" c="dimmed">
              Step {path.length + 1}
            </Text>
            <Title order={3}>{t(step.title)}</Title>
            {image && <img src={image.url} alt="" style={{ maxWidth: '100%' }} />}
            {t(step.content) && <SafeHtml html={t(step.content)} />}
            <Group gap="xs">
              {(step.choices ?? []).map((c) => (
                <Button key={c.key} variant="light" onClick={() => handleChoose(c.key)}>
                  {t(c.label) || c.key}
                </Button>
              ))}
            </Group>
          </>
        )}
        {!outcome && !step && <Alert color="red">The step “{at}” does not exist.</Alert>}
        {outcome?.type === 'solved' && (
          <Alert color="green" title="Solved — glad we could help">
            {outcome.message}
          </Alert>
        )}
        {outcome?.type === 'article' && (
          <Alert color="blue" title="This article has the answer">
            {outcome.url}
          </Alert>
        )}
        {outcome?.type === 'open_ticket' && (
          <Alert color="orange" title="Open a ticket">
            <Text size="sm">
              Subject: <strong>{outcome.subject}</strong>
            </Text>
            <Code block data-testid="preview-prefill">
              {prefillText(name, transcript(steps, path, locale, defaultLocale))}
            </Code>
          </Alert>
        )}
        <Group justify="space-between">
          <Group gap={4}>
            {path.map((p, i) => (
              <Badge key={i} variant="light">
                {p.step} → {p.choice}
              </Badge>
            ))}
          </Group>
          <Button variant="default" onClick={handleRestart}>
            Start again
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
