// The chat page: the browser client from /msgtrans.js (served by the http() plugin),
// reconnecting with backoff, heartbeats on, re-joining its room after every reconnect.
import { ReconnectingClient } from '/msgtrans.js'

const params = new URLSearchParams(location.search)
const room = params.get('room') ?? 'lobby'
const name = params.get('name') ?? `guest-${Math.floor(Math.random() * 1e4)}`
const $ = (id) => document.getElementById(id)
$('room').textContent = room

const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
const client = new ReconnectingClient(`${scheme}://${location.host}/`, {
  heartbeat: { interval: 5_000 },
  backoff: { initial: 100, max: 3_000 },
})
const shown = new Set() // "at|from|text" of lines already on screen (history repeats on re-join)

function line(cls, who, text) {
  const li = document.createElement('li')
  li.className = cls
  if (who) li.append(Object.assign(document.createElement('b'), { textContent: who }))
  li.append(document.createTextNode(text))
  $('messages').append(li)
  li.scrollIntoView({ block: 'nearest' })
  return li
}

function message(m) {
  const key = `${m.at}|${m.from}|${m.text}`
  if (shown.has(key)) return
  shown.add(key)
  line('message', m.from, m.text).dataset.from = m.from
}

client.on('chat/message', message)
client.on('chat/presence', (p) => line('presence', '', `${p.name} ${p.event === 'join' ? 'joined' : 'left'}`))
client.onState((state) => {
  $('status').dataset.state = state
  $('status').textContent = state
  if (state !== 'open') return
  // sent before the offline queue is flushed, so queued lines go out as a member
  client.request('chat/join', { room, name }).then((r) => {
    r.history.forEach(message)
    $('members').textContent = `Here: ${r.members.join(', ')}`
    document.body.dataset.joined = String(client.connections)
  })
})

$('send').addEventListener('submit', (ev) => {
  ev.preventDefault()
  const text = $('text').value.trim()
  if (!text) return
  const result = client.send('chat/send', { room, text })
  if (result === 'dropped') line('presence', '', '(offline queue full, not sent)')
  $('text').value = ''
})

window.chat = { client, room, name }
