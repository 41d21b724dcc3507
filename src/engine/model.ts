// The common model every connector maps its service into, and the engine works on (DESIGN §4).

/** A person who changed something in the service. */
export interface Person {
  /** The service's own user id, as a string. */
  id: string;
  name: string;
  /** Known for account members; absent for unknown or deleted users. */
  email?: string;
}

/** A top-level container of a source: a Projectplace workspace. */
export interface Container {
  id: string;
  name: string;
  archived: boolean;
}

export type ItemKind = 'folder' | 'document' | 'link';

/** One thing inside a container: a folder, a document (has content) or a link (a URL, stored as a small file). */
export interface Item {
  id: string;
  kind: ItemKind;
  name: string;
  /** The folder that holds it; null when it sits at the container's root. */
  parentId: string | null;
  containerId: string;
  /** ISO-8601 UTC time of the last modification, when the service tells it. */
  modifiedAt?: string;
  /** Who made the last modification, when the service tells it. */
  modifier?: Person;
  /** Content size in bytes, when the service announces it. */
  size?: number;
  /** The service's version label (Projectplace ver_nr), when it has one. */
  version?: string;
  /** For links: the target URL. */
  url?: string;
}

/** An open download: a byte stream and the size the service announced for it (Content-Length), if any. */
export interface Download {
  body: AsyncIterable<Uint8Array>;
  size?: number;
  /** Abort the transfer and release the connection. */
  cancel(): void;
}

/** Optional capabilities of a connector (rclone's Features). */
export interface Capabilities {
  /** Documents have content to download. */
  content: boolean;
  /** Items carry modification stamps; otherwise the engine diffs content hashes. */
  modificationStamps: boolean;
  /**
   * New items have no author or time of their own (records of a database, not documents people edit): a run adds
   * them in one commit per container rather than one each. With tens of thousands of records in one folder, a
   * commit each would rewrite that folder's tree every time. Changes to existing items still get a commit each.
   */
  bulkAdd?: boolean;
  /**
   * An importer of an older tool's copy (the old Projectplace sync tool's files): it adds what the backup lacks and
   * leaves every item the backup already has as it is; nothing it does not list is read as deleted.
   */
  addOnly?: boolean;
}

/** One service. Errors: throws AuthError on rejected credentials, ServiceError on anything else. */
export interface Connector {
  /** Short id used in paths and the manifest: "projectplace". */
  readonly source: string;
  /** The top-level folder in the backup repo: "Projectplace". */
  readonly displayName: string;
  readonly capabilities: Capabilities;
  /** True when listContainers() returns the whole account, so a container missing from it is gone; false when configured to a subset. */
  readonly listsWholeAccount: boolean;
  /** Every container of the account (active and archived), complete or it throws. */
  listContainers(): Promise<Container[]>;
  /** Every item of one container, complete or it throws: a partial listing must never be read as "deleted". */
  listItems(container: Container): AsyncIterable<Item>;
  /** Opens a document's current content. */
  open(item: Item, signal?: AbortSignal): Promise<Download>;
}
