/**
 * English strings, the source of the message keys: every other locale is typed against this
 * object, so a key missing from a translation is a compile error. `{0}`, `{1}` are positional
 * substitutions filled by `t()`.
 */
export const en = {
  extName: 'Veil',
  extDescription: 'Blurs leaked private photos before you see them. Matching happens on your device only.',

  // page overlay
  labelReported: 'Reported as a leaked private photo',
  labelConfirmed: 'Confirmed as a leaked private photo',
  revealButton: 'Show this image',
  revealHint: 'Veil hid this image. Showing it is your choice.',
  noticeReported: 'Veil: report sent (hashes only, never the image).',
  noticeNotLeaked: 'Veil: thank you, this image will no longer be hidden.',
  noticeReportFailed: 'Veil: the report could not be sent. Try again later.',
  noticeNoImage: 'Veil: this image could not be read, so nothing was sent.',

  // context menu
  menuReport: 'Report this image as a leaked private photo',
  menuNotLeaked: 'This is not a leaked photo',

  // popup
  popupHiddenOnPage: 'Hidden on this page',
  popupCheckedOnPage: 'Images checked on this page',
  popupNoPage: 'Veil does not run on this page.',
  popupPauseSite: 'Pause Veil on this site',
  popupResumeSite: 'Resume Veil on this site',
  popupPaused: 'Paused on {0}',
  popupLists: 'Lists',
  popupListEntries: '{0} entries, version {1}',
  popupListNever: 'Not downloaded yet',
  popupListUpdated: 'Updated {0}',
  popupUpdateNow: 'Update lists now',
  popupOptions: 'Settings and lists',
  popupProtect: 'Protect my photos',
  popupVersion: 'Veil {0}',
  popupPrivacy: 'Matching happens on this device. Nothing about the pages you visit leaves your browser.',

  // list errors (VeilError code → text)
  'error.list/bad-signature': 'Refused: the list signature does not verify against the pinned key.',
  'error.list/unknown-key': 'Refused: the list is signed by a key that is not pinned.',
  'error.list/bad-format': 'Refused: the list file is malformed.',
  'error.list/wrong-list': 'Refused: the registry sent a different list.',
  'error.list/stale': 'Refused: the registry sent an older list than the one held.',
  'error.registry/unreachable': 'The registry could not be reached; retrying later.',
  'error.registry/bad-response': 'The registry sent an unexpected answer; retrying later.',
  'error.no-key': 'No public key is set for this registry, so its lists cannot be verified.',
  'error.internal': 'The list could not be updated.',

  // options
  optionsTitle: 'Veil settings',
  optionsListsHeading: 'Subscribed lists',
  optionsListsHelp: 'Each registry publishes signed lists of hashes. Veil only uses a list whose signature verifies against the key you pin here.',
  optionsRegistryUrl: 'Registry address',
  optionsPublicKey: 'Public key (64 hex digits)',
  optionsUseReported: 'Blur reported photos',
  optionsUseConfirmed: 'Blur confirmed photos',
  optionsAddList: 'Add registry',
  optionsRemove: 'Remove',
  optionsInvalidUrl: 'Enter an http or https address.',
  optionsInvalidKey: 'The public key must be 64 hexadecimal digits.',
  optionsDuplicate: 'This registry is already subscribed.',
  optionsPausedHeading: 'Paused sites',
  optionsPausedHelp: 'Veil does not check images on these sites.',
  optionsAddSite: 'Add site',
  optionsSiteName: 'Site (for example example.com)',
  optionsInvalidSite: 'Enter a host name such as example.com.',
  optionsAllowedHeading: 'Images you allowed',
  optionsAllowedHelp: 'Listed images you marked as not leaked. Veil shows them everywhere.',
  optionsAllowedItem: '{0} list, hash {1}…',
  optionsNone: 'None.',
  optionsFailsafeHeading: 'Failsafe',
  optionsFailsafeHelp: 'If an image cannot be checked within this many seconds, it is shown anyway. Longer is safer; shorter shows slow pages sooner.',
  optionsFailsafeSeconds: 'Seconds',
  optionsSave: 'Save',
  optionsSaved: 'Saved.',

  // general
  listReported: 'Reported',
  listConfirmed: 'Confirmed',
} as const;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
