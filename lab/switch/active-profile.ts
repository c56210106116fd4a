import type { SwitchVendor } from '../../inventory/topology-schema';
import type { SharedEdits } from './junos-cli';
import { SWITCH_PROFILES, switchProfile, type SwitchProfile } from './switch-profiles';

/**
 * The colleague a quirk profile puts on a Junos switch, and the port their unfinished work touches.
 */
const OTHER_USER = 'netops';
const OTHER_USERS_PORT = 'ge-0/0/47';

/**
 * The quirk profile one lab switch behaves by, and the people it puts on the box: what is
 * time-bound in a profile counts from the moment it was chosen.
 */
export class ActiveProfile {
  private profileName: string;
  private quirks: SwitchProfile;
  private since = Date.now();
  private sharedEditsCommitted = false;

  constructor(private readonly vendor: SwitchVendor) {
    const first = Object.keys(
      (SWITCH_PROFILES as Partial<Record<SwitchVendor, Record<string, SwitchProfile>>>)[vendor] ??
        {},
    )[0];
    if (first === undefined) throw new Error(`the lab has no quirk profiles for ${vendor}`);
    this.profileName = first;
    this.quirks = switchProfile(vendor, first) as SwitchProfile;
  }

  get name(): string {
    return this.profileName;
  }

  get settings(): SwitchProfile {
    return this.quirks;
  }

  /** Throws for a name this vendor has no profile of. */
  use(name: string): void {
    const profile = switchProfile(this.vendor, name);
    if (profile === undefined) throw new Error(`${this.vendor} has no quirk profile "${name}"`);
    this.profileName = name;
    this.quirks = profile;
    this.since = Date.now();
    this.sharedEditsCommitted = false;
  }

  /** Who holds the Junos database exclusively now, as Junos lists a user. */
  exclusiveHolder(): string | undefined {
    return this.within(this.quirks.lockedByOtherMs)
      ? `${OTHER_USER} terminal pts/1 (pid 4242) on since ${this.sinceText()}`
      : undefined;
  }

  /**
   * The colleague's uncommitted change in the Junos shared candidate, until it is discarded or
   * committed.
   */
  sharedEdits(): SharedEdits | undefined {
    if (!this.within(this.quirks.sharedEditsByOtherMs) || this.sharedEditsCommitted)
      return undefined;
    return {
      who: `${OTHER_USER} terminal pts/1 (pid 4242) on since ${this.sinceText()}, idle 00:00:05`,
      // Half-done work: a port that must not go live with anyone else's commit.
      apply: (c) => (c.port(OTHER_USERS_PORT).shutdown = true),
      committed: () => (this.sharedEditsCommitted = true),
    };
  }

  private within(ms: number | undefined): boolean {
    return ms !== undefined && Date.now() - this.since < ms;
  }

  private sinceText(): string {
    return new Date(this.since)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC');
  }
}
