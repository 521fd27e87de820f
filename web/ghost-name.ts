const ADJECTIVES = [
  'Silent',
  'Pale',
  'Misty',
  'Hollow',
  'Faint',
  'Quiet',
  'Drifting',
  'Dusky',
  'Shy',
  'Wandering',
  'Lunar',
  'Velvet',
  'Frosty',
  'Hazy',
  'Sleepy',
  'Glowing',
];
const NOUNS = [
  'Wisp',
  'Shade',
  'Specter',
  'Phantom',
  'Spirit',
  'Shadow',
  'Haunt',
  'Echo',
  'Wraith',
  'Banshee',
  'Apparition',
  'Spook',
  'Ghoul',
  'Revenant',
  'Mist',
  'Lantern',
];

/** A random ghost name such as "Misty Echo 42" (25,600 of them), from the platform's CSPRNG. */
export function randomGhostName(): string {
  const [a, n, d] = crypto.getRandomValues(new Uint8Array(3));
  return `${ADJECTIVES[a! % 16]} ${NOUNS[n! % 16]} ${String(d! % 100).padStart(2, '0')}`;
}
