import { Type } from './type.js';

/** One listening TCP socket in a sprite, opened or closed; the SDK's PortNotification. */
export const PortEvent = Type.Object(
  {
    type: Type.Union([Type.Literal('port_opened'), Type.Literal('port_closed')]),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    address: Type.String({ description: 'The address the socket is bound to: `0.0.0.0`, `::`, `127.0.0.1`, …' }),
    pid: Type.Integer({ minimum: 1, description: "The listening process's pid inside the sprite." }),
  },
  { title: 'PortEvent' },
);

/** The first message of a port watch: every port listening when it starts, each as a `port_opened`. */
export const PortList = Type.Object(
  {
    type: Type.Literal('port_list'),
    ports: Type.Array(PortEvent),
  },
  { title: 'PortList' },
);

export const PortMessage = Type.Union([PortList, PortEvent]);

export const PORTS_WATCH_DESCRIPTION =
  'The client sends nothing. Text frames, one JSON object each: first a `port_list` snapshot of the TCP ports listening in the sprite (IPv4 and IPv6, with the owning pid), then `port_opened` and `port_closed` as they change. The sprite looks about once a second, and only while someone watches.';
