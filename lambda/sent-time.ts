// When CloudFormation sent an event. Its ResponseURL is an S3 URL that
// CloudFormation pre-signs as it sends the event, so the URL carries the time:
// SigV4's `X-Amz-Date` (`20231123T074157Z`, to the second; CloudFormation signs
// for `X-Amz-Expires` 7199 or 7200 seconds), or in the older SigV2 form only
// `Expires` (epoch seconds), about two hours after the signing. Lambda runs an
// event again with the same URL, so a late run still says when it was sent.
// Whoever may invoke the handler can write any time there: this tells a late
// event from a current one, it does not tell a forged one from CloudFormation's.

/** CloudFormation's lifetime of a SigV2 response URL, as observed (Expires was 2 h after the stack's creation, less a few seconds). */
const SIGV2_LIFETIME_SECONDS = 7200;
/** SigV4's lifetimes were 7199 or 7200 s: a SigV2 URL signed for one second less than assumed is still not taken as older than it is. */
const SIGV2_LIFETIME_SLACK_SECONDS = 1;

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * The latest time (epoch milliseconds) at which CloudFormation may have sent
 * the event whose ResponseURL this is, or undefined when the URL carries no
 * signing time. Both forms count whole seconds: the time returned is the end
 * of the second, so a current event is never taken for an earlier one.
 */
export function latestSendTime(responseUrl: unknown): number | undefined {
  if (typeof responseUrl !== 'string' || !URL.canParse(responseUrl)) return undefined;
  const query = new URL(responseUrl).searchParams;
  const amzDate = query.get('X-Amz-Date');
  if (amzDate !== null) {
    const m = AMZ_DATE.exec(amzDate);
    if (!m) return undefined;
    const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
    const at = Date.UTC(year, month - 1, day, hour, minute, second);
    // Date.UTC rolls an impossible time over (a 13th month, a 61st second): no signer writes one.
    if (new Date(at).toISOString().slice(0, 19).replace(/[-:]/g, '') !== amzDate.slice(0, 15)) return undefined;
    return at + 999;
  }
  const expires = query.get('Expires');
  if (expires !== null && /^\d{1,12}$/.test(expires)) {
    return (Number(expires) - SIGV2_LIFETIME_SECONDS + SIGV2_LIFETIME_SLACK_SECONDS) * 1000 + 999;
  }
  return undefined;
}
