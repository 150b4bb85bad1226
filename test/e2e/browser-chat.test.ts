import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { connect } from '../../src/index.ts'
import { createChatApp, type ChatApp, type ChatLine } from '../../examples/chat/app.ts'
import { chatWeb } from '../../examples/chat/web.ts'

// A real headless Chromium (Debian's, see scripts/setup.d/chromium.sh) opens the chat page,
// talks to a Bun client through the server, and survives a server restart.
const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = join(import.meta.dir, '../../test-artifacts')
const quiet = () => {}

let app: ChatApp
let port = 0
let ctx: BrowserContext
let page: Page
let profile = ''
const pageErrors: string[] = []

async function startChat(onPort: number, deadlineMs = 5_000): Promise<ChatApp> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    try {
      return await createChatApp({ ws: { port: onPort, hostname: '127.0.0.1' }, log: quiet }).use(chatWeb()).listen()
    } catch (err) {
      if (Date.now() > deadline) throw err // the old listener still holds the port
      await Bun.sleep(10)
    }
  }
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await Bun.sleep(20)
  }
}

beforeAll(async () => {
  app = await startChat(0)
  port = app.ports.ws!
  profile = mkdtempSync(join(tmpdir(), 'msgtrans-chromium-'))
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 20_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  page = ctx.pages()[0] ?? (await ctx.newPage())
  page.setDefaultTimeout(10_000)
  page.on('pageerror', (e) => pageErrors.push(String(e)))
}, 30_000)

afterAll(async () => {
  await ctx?.close()
  await app?.stop(1_000)
  if (profile) rmSync(profile, { recursive: true, force: true })
})

test('chat page in Chromium talks to a Bun client, then survives a server restart', async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.goto(`http://127.0.0.1:${port}/?name=alice&room=lobby`)
  await page.waitForSelector('body[data-joined="1"]')
  expect(await page.textContent('#status')).toBe('open')

  // a second client, in Bun, typed from the server's type
  const bob = await connect<ChatApp>(`ws://127.0.0.1:${port}`)
  const got: ChatLine[] = []
  bob.on('chat/message', (m) => got.push(m as ChatLine)) // the example declares no body schema
  const joined = await bob.request('chat/join', { room: 'lobby', name: 'bob' })
  expect(joined.members.sort()).toEqual(['alice', 'bob'])
  await page.waitForSelector('#messages li.presence:has-text("bob joined")')

  await page.fill('#text', 'hello from chromium')
  await page.click('button[type=submit]')
  const line = await until(() => got.find((m) => m.text === 'hello from chromium'))
  expect(line).toMatchObject({ room: 'lobby', from: 'alice' })

  bob.send('chat/send', { room: 'lobby', text: 'hi alice' })
  await page.waitForSelector('#messages li[data-from="bob"]:has-text("hi alice")')
  await page.screenshot({ path: join(ARTIFACTS, 'browser-chat.png') })
  await bob.close()

  // restart the server on the same port: the page backs off, reconnects and re-joins
  await app.stop(1_000)
  await page.waitForSelector('#status[data-state="reconnecting"]')
  await page.fill('#text', 'sent while offline')
  await page.click('button[type=submit]')
  expect(await page.evaluate(() => (window as any).chat.client.queued)).toBe(1)
  app = await startChat(port)
  await page.waitForSelector('body[data-joined="2"]')
  expect(await page.textContent('#status')).toBe('open')

  const carol = await connect<ChatApp>(`ws://127.0.0.1:${port}`)
  const carolGot: ChatLine[] = []
  carol.on('chat/message', (m) => carolGot.push(m as ChatLine))
  await carol.request('chat/join', { room: 'lobby', name: 'carol' })
  // the queued line was flushed after the re-join, so the new server accepted and kept it
  await until(async () => {
    const h = await carol.request('chat/history', { room: 'lobby' })
    return h.find((m) => m.text === 'sent while offline' && m.from === 'alice')
  })
  await page.fill('#text', 'after restart')
  await page.click('button[type=submit]')
  await until(() => carolGot.find((m) => m.text === 'after restart' && m.from === 'alice'))
  await page.waitForSelector('#messages li[data-from="alice"]:has-text("after restart")')
  await page.screenshot({ path: join(ARTIFACTS, 'browser-chat-reconnected.png') })
  await carol.close()
  expect(pageErrors).toEqual([])
}, 45_000)
