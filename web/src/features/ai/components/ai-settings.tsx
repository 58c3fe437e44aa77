/**
 * Settings → AI (admins): the ticket categories the classifier predicts,
 * the trained classifiers, the optional LLM endpoint with its monthly token
 * budget, the triage switch, and the chatbot that answers new widget chats
 * (on or off, and the name it speaks under).
 *
 * Invariants: a category's key is fixed once created (filters and training
 * data refer to it); the endpoint's key is write-only — the form starts
 * empty, shows only whether a key is stored, and sends one only when typed.
 */
import {
  Alert,
  Button,
  Group,
  Modal,
  NumberInput,
  Paper,
  PasswordInput,
  Progress,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { RelativeTime } from '@/components/ui/relative-time';
import { errorMessage, fieldErrors } from '@/lib/api-client';
import { categoriesQuery, useCreateCategory, useDeleteCategory, useUpdateCategory, type Category } from '../api/categories';
import { modelsQuery, useRetrain } from '../api/models';
import { aiSettingsQuery, useUpdateAiSettings, type AiSettings as Settings, type AiSettingsPatch } from '../api/settings';

/** The chatbot's name as the server accepts it: 1–60 characters once trimmed. */
export function isChatbotName(name: string): boolean {
  const n = name.trim();
  return n.length >= 1 && [...n].length <= 60;
}

/** What a category key may be (mirrors the server): a letter, then a-z, 0-9, `_` or `-`, at most 40. */
export function isCategoryKey(key: string): boolean {
  return /^[a-z][a-z0-9_-]{0,39}$/.test(key);
}

const fail = (title: string) => (error: unknown) => notifications.show({ color: 'red', title, message: errorMessage(error) });

export function AiSettings() {
  return (
    <Stack gap="xl" maw={900}>
      <CategoriesSection />
      <ModelsSection />
      <EndpointSection />
    </Stack>
  );
}

function CategoriesSection() {
  const categories = useQuery(categoriesQuery);
  const create = useCreateCategory();
  const remove = useDeleteCategory();
  const [editing, setEditing] = useState<Category | null>(null);
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const keyProblem = key && !isCategoryKey(key) ? 'A lower-case letter, then letters, digits, _ or - (at most 40)' : undefined;
  const errors = fieldErrors(create.error);

  const handleCreate = (event: FormEvent) => {
    event.preventDefault();
    if (!isCategoryKey(key) || !name.trim()) return;
    create.mutate(
      { key, name: name.trim(), description: description.trim() },
      {
        onSuccess: (c) => {
          notifications.show({ message: `Category “${c.name}” added` });
          setKey('');
          setName('');
          setDescription('');
        },
      },
    );
  };

  const handleDelete = (c: Category) => {
    if (!window.confirm(`Delete the category “${c.name}”? Its tickets keep no category.`)) return;
    remove.mutate(c.id, { onError: fail('Not deleted') });
  };

  return (
    <Stack gap="sm" component="section" aria-label="Ticket categories">
      <Title order={4}>Ticket categories</Title>
      <Text size="sm" c="dimmed">
        The AI files every new ticket under one of these; agents correct it on the ticket, and each correction trains the classifier. A
        category's key is what filters and training data refer to, so it is fixed once created; its name can change.
      </Text>
      <Table striped data-testid="categories-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Key</Table.Th>
            <Table.Th>Name</Table.Th>
            <Table.Th>Description</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {categories.data?.data.map((c) => (
            <Table.Tr key={c.id}>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {c.key}
                </Text>
              </Table.Td>
              <Table.Td>{c.name}</Table.Td>
              <Table.Td>
                <Text size="sm" c="dimmed" lineClamp={2}>
                  {c.description}
                </Text>
              </Table.Td>
              <Table.Td>
                <Group gap="xs" justify="flex-end" wrap="nowrap">
                  <Button size="xs" variant="subtle" onClick={() => setEditing(c)} aria-label={`Edit ${c.name}`}>
                    Edit
                  </Button>
                  <Button size="xs" variant="subtle" color="red" onClick={() => handleDelete(c)} aria-label={`Delete ${c.name}`}>
                    Delete
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {categories.data?.data.length === 0 && (
        <Text size="sm" c="dimmed">
          No category yet.
        </Text>
      )}
      <form onSubmit={handleCreate} aria-label="New category">
        <Group align="flex-start" gap="sm">
          <TextInput
            label="Category key"
            placeholder="shipping"
            required
            w={160}
            value={key}
            onChange={(e) => setKey(e.currentTarget.value.trim().toLowerCase())}
            error={keyProblem ?? errors.key}
          />
          <TextInput label="Category name" placeholder="Shipping & delivery" required w={220} value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} />
          <TextInput label="Description" style={{ flex: 1, minWidth: 200 }} value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={errors.description} />
          <Button type="submit" mt={24} loading={create.isPending} disabled={!isCategoryKey(key) || !name.trim()}>
            Add category
          </Button>
        </Group>
        {create.isError && !Object.keys(errors).length && (
          <Text c="red" size="sm" role="alert" mt="xs">
            {errorMessage(create.error)}
          </Text>
        )}
      </form>
      {editing && <EditCategoryModal category={editing} onClose={() => setEditing(null)} />}
    </Stack>
  );
}

function EditCategoryModal({ category, onClose }: { category: Category; onClose: () => void }) {
  const update = useUpdateCategory();
  const [name, setName] = useState(category.name);
  const [description, setDescription] = useState(category.description);

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ id: category.id, patch: { name: name.trim(), description: description.trim() } }, { onSuccess: onClose });
  };

  return (
    <Modal opened onClose={onClose} title={`Edit “${category.name}”`}>
      <form onSubmit={handleSubmit}>
        <Stack gap="sm">
          <TextInput label="Key" value={category.key} readOnly disabled description="The key cannot change: filters and training data use it." />
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
          <TextInput label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          {update.isError && (
            <Text c="red" size="sm" role="alert">
              {errorMessage(update.error)}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={update.isPending} disabled={!name.trim()}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function ModelsSection() {
  const models = useQuery(modelsQuery);
  const retrain = useRetrain();
  return (
    <Stack gap="sm" component="section" aria-label="Classifiers">
      <Group justify="space-between">
        <Title order={4}>Classifiers</Title>
        <Button
          size="xs"
          variant="light"
          loading={retrain.isPending}
          onClick={() =>
            retrain.mutate(undefined, {
              onSuccess: () => notifications.show({ message: 'Classifiers retrained' }),
              onError: fail('Not retrained'),
            })
          }
        >
          Retrain now
        </Button>
      </Group>
      <Text size="sm" c="dimmed">
        Trained on the tickets agents categorised; retrained by itself shortly after each correction.
      </Text>
      {models.isError && <Text c="red">{errorMessage(models.error)}</Text>}
      {models.data?.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          No classifier is trained yet: categorise a few tickets, then retrain.
        </Text>
      ) : (
        <Table striped data-testid="models-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Kind</Table.Th>
              <Table.Th>Version</Table.Th>
              <Table.Th>Examples</Table.Th>
              <Table.Th>Labels</Table.Th>
              <Table.Th>Trained</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {models.data?.data.map((m) => (
              <Table.Tr key={m.kind}>
                <Table.Td>{m.kind}</Table.Td>
                <Table.Td>{m.version}</Table.Td>
                <Table.Td>{m.examples}</Table.Td>
                <Table.Td>{m.labels}</Table.Td>
                <Table.Td>
                  <RelativeTime iso={m.trained_at} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

function EndpointSection() {
  const settings = useQuery(aiSettingsQuery);
  const update = useUpdateAiSettings();
  const s = settings.data;
  const handleToggle = (patch: AiSettingsPatch) => update.mutate(patch, { onError: fail('Not saved') });
  return (
    <Stack gap="sm">
      {settings.isError && <Text c="red">{errorMessage(settings.error)}</Text>}
      {s && (
        <>
          <Stack gap="sm" component="section" aria-label="AI features">
            <Title order={4}>Features</Title>
            <Switch
              label="Triage incoming messages"
              description="Category, language, sentiment and urgency for every customer message."
              checked={s.auto_triage}
              disabled={update.isPending}
              onChange={(e) => handleToggle({ auto_triage: e.currentTarget.checked })}
            />
          </Stack>
          {/* Remounted with fresh settings so the forms start from what the server holds. */}
          <ChatbotForm key={`chatbot-${settings.dataUpdatedAt}`} settings={s} />
          <EndpointForm key={settings.dataUpdatedAt} settings={s} />
        </>
      )}
    </Stack>
  );
}

/** The LLM endpoint and token budget form; exported for tests. */
export function EndpointForm({ settings }: { settings: Settings }) {
  const update = useUpdateAiSettings();
  const [baseUrl, setBaseUrl] = useState(settings.llm_base_url ?? '');
  const [model, setModel] = useState(settings.llm_model ?? '');
  const [embedding, setEmbedding] = useState(settings.llm_embedding_model ?? '');
  // Never prefilled: the server does not give the key back.
  const [apiKey, setApiKey] = useState('');
  const [budget, setBudget] = useState<number>(settings.monthly_token_budget);
  const errors = fieldErrors(update.error);
  const used = settings.tokens_used;
  const limit = settings.monthly_token_budget;

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    const patch: AiSettingsPatch = {
      llm_base_url: baseUrl.trim() || null,
      llm_model: model.trim() || null,
      llm_embedding_model: embedding.trim() || null,
      monthly_token_budget: budget,
    };
    if (apiKey) patch.llm_api_key = apiKey;
    update.mutate(patch, {
      onSuccess: () => {
        setApiKey('');
        notifications.show({ message: 'AI settings saved' });
      },
    });
  };

  const handleForgetKey = () => {
    if (!window.confirm('Remove the stored API key?')) return;
    update.mutate({ llm_api_key: null }, { onError: fail('Key not removed') });
  };

  return (
    <Paper withBorder p="md" component="section" aria-label="Language model">
      <form onSubmit={handleSubmit} aria-label="Language model endpoint">
        <Stack gap="sm">
          <Title order={4}>Language model (optional)</Title>
          <Text size="sm" c="dimmed">
            Without an endpoint the built-in engine suggests replies and summaries on this machine. With an OpenAI-compatible endpoint
            (a local Ollama or vLLM, or a hosted API) replies read more naturally and drafts can be translated.
          </Text>
          <TextInput
            label="Base URL"
            placeholder="http://127.0.0.1:11434/v1"
            value={baseUrl}
            onChange={(e) => setBaseUrl(e.currentTarget.value)}
            error={errors.llm_base_url}
          />
          <Group grow align="flex-start">
            <TextInput label="Chat model" placeholder="llama3.1:8b" value={model} onChange={(e) => setModel(e.currentTarget.value)} error={errors.llm_model} />
            <TextInput
              label="Embedding model"
              placeholder="nomic-embed-text"
              value={embedding}
              onChange={(e) => setEmbedding(e.currentTarget.value)}
              error={errors.llm_embedding_model}
            />
          </Group>
          <Group align="flex-end" gap="sm">
            <PasswordInput
              label="API key"
              style={{ flex: 1 }}
              autoComplete="new-password"
              placeholder={settings.llm_api_key_set ? 'Leave empty to keep the stored key' : 'None'}
              description={
                <span data-testid="llm-key-state">{settings.llm_api_key_set ? 'A key is stored (it is never shown).' : 'No key is stored.'}</span>
              }
              value={apiKey}
              onChange={(e) => setApiKey(e.currentTarget.value)}
              error={errors.llm_api_key}
            />
            {settings.llm_api_key_set && (
              <Button variant="subtle" color="red" onClick={handleForgetKey}>
                Remove stored key
              </Button>
            )}
          </Group>
          <NumberInput
            label="Monthly token budget"
            description="Tokens per calendar month (UTC) sent to the endpoint; 0 means no limit."
            min={0}
            step={10_000}
            thousandSeparator=","
            value={budget}
            onChange={(v) => setBudget(typeof v === 'number' ? v : Number(v) || 0)}
            error={errors.monthly_token_budget}
            w={280}
          />
          <Stack gap={4} data-testid="token-usage">
            <Text size="sm">
              {used.toLocaleString('en')} tokens used in {settings.budget_period}
              {limit > 0 ? ` of ${limit.toLocaleString('en')}` : ' (no limit)'}
            </Text>
            {limit > 0 && (
              <Progress
                value={Math.min(100, (used / limit) * 100)}
                color={used >= limit ? 'red' : used >= limit * 0.8 ? 'orange' : 'blue'}
                aria-label="Token budget used"
                w={280}
              />
            )}
          </Stack>
          {update.isError && !Object.keys(errors).length && (
            <Alert color="red" role="alert">
              {errorMessage(update.error)}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={update.isPending}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

/** The chatbot: on or off, and its name; both saved together. Exported for tests. */
export function ChatbotForm({ settings }: { settings: Settings }) {
  const update = useUpdateAiSettings();
  const [enabled, setEnabled] = useState(settings.chatbot_enabled);
  const [name, setName] = useState(settings.chatbot_name);
  const errors = fieldErrors(update.error);
  const nameProblem = name && !isChatbotName(name) ? 'At most 60 characters' : undefined;

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!isChatbotName(name)) return;
    update.mutate(
      { chatbot_enabled: enabled, chatbot_name: name.trim() },
      { onSuccess: (s) => notifications.show({ message: s.chatbot_enabled ? `${s.chatbot_name} answers new chats` : 'Chatbot turned off' }) },
    );
  };

  return (
    <Paper withBorder p="md" component="section" aria-label="Chatbot">
      <form onSubmit={handleSubmit} aria-label="Chatbot settings">
        <Stack gap="sm">
          <Title order={4}>Chatbot</Title>
          <Text size="sm" c="dimmed">
            The chatbot answers new chats in the widget from the help center and the customer's orders, at any hour. Visitors can ask for
            a person at any time; it hands the chat to the team when asked, when it is unsure, or when the customer is upset, with an
            internal note saying why.
          </Text>
          <Switch
            label="Answer new chats with the chatbot"
            checked={enabled}
            onChange={(e) => setEnabled(e.currentTarget.checked)}
            error={errors.chatbot_enabled}
          />
          <TextInput
            label="Chatbot name"
            description="Visitors see this name, marked as an automated assistant."
            required
            maxLength={60}
            w={320}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={nameProblem ?? errors.chatbot_name}
          />
          {update.isError && !Object.keys(errors).length && (
            <Alert color="red" role="alert">
              {errorMessage(update.error)}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={update.isPending} disabled={!isChatbotName(name)}>
              Save chatbot
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
