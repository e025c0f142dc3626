/**
 * Container image references, read by the Docker reference grammar: the grammar of
 * distribution/reference (`regexp.go`, `reference.go`, `normalize.go` `ParseNormalizedNamed` and
 * `splitDockerDomain`), which the container runtimes, `docker pull` and Kubernetes use.
 *
 *     reference := [domain '/'] path [':' tag] ['@' digest]
 *     domain    := host [':' port]        host: DNS labels, or [IPv6]
 *     path      := component ('/' component)*   lowercase letters and digits, joined by . _ __ or dashes
 *     tag       := [\w][\w.-]{0,127}
 *     digest    := algorithm ':' hex{32,}  e.g. sha256:<64 hex digits>
 *
 * The first `/`-separated segment is a registry host only when it contains a `.` or a `:` or is
 * `localhost` (or has uppercase letters, which a path cannot have); otherwise the reference names a
 * Docker Hub repository: `nginx` is `docker.io/library/nginx`, `bitnami/redis` is
 * `docker.io/bitnami/redis`, and `index.docker.io` is the legacy name of `docker.io`.
 *
 * The old openshift-velero-plugin helpers (`velero-plugins/common/util.go` `ReplaceImageRefPrefix`,
 * `HasImageRefPrefix`) split at the first `/` instead, so they took `foo` in `foo/bar` for a host; this
 * module does not.
 */

const ALPHANUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const PATH = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[[a-fA-F0-9:]+\\]';
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const REFERENCE = new RegExp(`^(${DOMAIN})/(${PATH})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const PREFIX = new RegExp(`^(${DOMAIN})(?:/(${PATH}))?$`);
const IMAGE_ID = /^[a-f0-9]{64}$/;

/** The registry of references that name no registry. */
export const DOCKER_HUB = 'docker.io';
const LEGACY_DOCKER_HUB = 'index.docker.io';
/** Docker Hub's namespace of official images: `nginx` is `library/nginx`. */
const OFFICIAL_NAMESPACE = 'library';
/** distribution/reference `NameTotalLengthMax`: domain, `/` and path. */
const NAME_TOTAL_LENGTH_MAX = 255;

/** A reference that the grammar rejects; `message` says why. */
export class InvalidImageReferenceError extends Error {
  override name = 'InvalidImageReferenceError';
}

/** A parsed image reference. */
export interface ImageReference {
  /** The reference as written. */
  readonly text: string;
  /** The registry host (with port) as written, `''` when the reference names none. */
  readonly writtenDomain: string;
  /**
   * The registry the runtime pulls from, lowercased for comparison: `docker.io` when none is written
   * or `index.docker.io` is.
   */
  readonly domain: string;
  /** The repository path's segments under `domain`, normalized: `['library', 'nginx']` for `nginx`. */
  readonly path: readonly string[];
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  /** The text after the path, exactly as written: `:tag`, `@digest`, both, or `''`. */
  readonly suffix: string;
}

/** True when the first segment of a name is a registry host (distribution's `splitDockerDomain`). */
function isDomainSegment(segment: string): boolean {
  return /[.:]/.test(segment) || segment === 'localhost' || segment.toLowerCase() !== segment;
}

/** `docker.io` for `index.docker.io`, lowercase otherwise. */
function canonicalDomain(domain: string): string {
  const lower = domain.toLowerCase();
  return lower === LEGACY_DOCKER_HUB ? DOCKER_HUB : lower;
}

/**
 * Parses an image reference.
 * @throws InvalidImageReferenceError when `text` is not a reference a runtime can pull
 */
export function parseImageReference(text: string): ImageReference {
  if (IMAGE_ID.test(text)) throw new InvalidImageReferenceError('a 64-digit hexadecimal string is an image ID, not a repository name');
  const slash = text.indexOf('/');
  const hasDomain = slash !== -1 && isDomainSegment(text.slice(0, slash));
  const writtenDomain = hasDomain ? text.slice(0, slash) : '';
  let remainder = hasDomain ? text.slice(slash + 1) : text;
  // splitDockerDomain compares exactly, before any case folding.
  const dockerHub = writtenDomain === '' || writtenDomain === DOCKER_HUB || writtenDomain === LEGACY_DOCKER_HUB;
  if (dockerHub && !remainder.includes('/')) remainder = `${OFFICIAL_NAMESPACE}/${remainder}`;
  const colon = remainder.indexOf(':');
  const repository = colon === -1 ? remainder : remainder.slice(0, colon);
  if (repository.toLowerCase() !== repository) throw new InvalidImageReferenceError('the repository name must be lowercase');
  const match = REFERENCE.exec(`${dockerHub ? DOCKER_HUB : writtenDomain}/${remainder}`);
  if (!match) throw new InvalidImageReferenceError('it does not follow the Docker reference grammar [host[:port]/]path[:tag][@digest]');
  const [, domain = '', path = '', tag, digest] = match;
  if (domain.length + 1 + path.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidImageReferenceError(`the repository name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  const suffix = (tag === undefined ? '' : `:${tag}`) + (digest === undefined ? '' : `@${digest}`);
  return { text, writtenDomain, domain: canonicalDomain(domain), path: path.split('/'), tag, digest, suffix };
}

/** A registry host with an optional repository path under it: `quay.io`, `quay.io/team`, `localhost:5000`. */
export interface RegistryPrefix {
  /** As written. */
  readonly text: string;
  /** The host (with port), compared lowercased; `index.docker.io` is `docker.io`. */
  readonly domain: string;
  /** Path segments under the host, `[]` for a bare host. */
  readonly path: readonly string[];
}

/**
 * Parses a registry prefix: a host that the grammar recognises as one (it has a `.` or a `:` or is
 * `localhost`), then optionally path segments. `docker.io/nginx` is the prefix of the repositories under
 * `docker.io/nginx/`, not `docker.io/library/nginx`: official images are under `docker.io/library`.
 * @throws InvalidImageReferenceError when `text` is not one
 */
export function parseRegistryPrefix(text: string): RegistryPrefix {
  const match = PREFIX.exec(text);
  const domain = match?.[1];
  if (!match || domain === undefined) throw new InvalidImageReferenceError('expected host[:port][/path]');
  if (!isDomainSegment(domain)) {
    throw new InvalidImageReferenceError(`"${domain}" is not a registry host: a host has a "." or a ":" port, or is localhost`);
  }
  return { text, domain: canonicalDomain(domain), path: match[2] === undefined ? [] : match[2].split('/') };
}

/**
 * True when `prefix` covers `reference` on whole segments: the same host (and port), and the prefix's
 * path segments first in the reference's path (`quay.io/team` covers `quay.io/team/app:1`, not
 * `quay.io/teamx/app`).
 */
export function covers(prefix: RegistryPrefix, reference: Pick<ImageReference, 'domain' | 'path'>): boolean {
  if (prefix.domain !== reference.domain || prefix.path.length > reference.path.length) return false;
  return prefix.path.every((segment, index) => reference.path[index] === segment);
}
