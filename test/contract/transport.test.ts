import { runTransportContract } from './transport.contract.ts'

const host = '127.0.0.1'
runTransportContract({
  name: 'tcp',
  config: { tcp: { port: 0, hostname: host } },
  url: (app) => `tcp://${host}:${app.ports.tcp}`,
})
runTransportContract({
  name: 'ws',
  config: { ws: { port: 0, hostname: host } },
  url: (app) => `ws://${host}:${app.ports.ws}`,
})
