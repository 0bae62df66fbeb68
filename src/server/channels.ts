/**
 * The one dictionary of channel names (渠道): how a comment reached the portal, in the words of
 * docs/domain.md. Every page, report, export and chart names a channel through `channelLabel`;
 * tests/unit/channels.test.ts fails if a second set of channel words appears in the dictionaries.
 */
import { t, type Locale, type MessageKey } from '../i18n';

export const channelCodes = ['web', 'kiosk', 'station_qr', 'deputy', 'letter', 'api'] as const;
export type ChannelCode = (typeof channelCodes)[number];

export function isChannel(value: unknown): value is ChannelCode {
  return typeof value === 'string' && (channelCodes as readonly string[]).includes(value);
}

/** 网站, 意见征集终端, 联络站扫码, 代表录入, 来信来邮, 合作系统; an unknown code is shown as it is. */
export function channelLabel(locale: Locale, channel: string): string {
  return isChannel(channel) ? t(locale, `channel.${channel}` as MessageKey) : channel;
}
