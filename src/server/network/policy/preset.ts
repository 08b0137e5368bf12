/**
 * The `defaults` preset (`{"include": "defaults"}`), as Sprites names it: what a sprite needs to
 * fetch code, packages and images and to call the major AI APIs. Every entry is allowed; a
 * deny rule for the same pattern in the policy wins. The list is public knowledge and only
 * ever matched against names a sprite asks for; nothing here is contacted by Hob itself.
 */
export const DEFAULT_PRESET: readonly string[] = [
  // Source hosting
  'github.com',
  '*.github.com',
  'githubusercontent.com',
  '*.githubusercontent.com',
  'gitlab.com',
  '*.gitlab.com',
  'bitbucket.org',
  '*.bitbucket.org',
  'codeload.github.com',
  // Package registries
  'registry.npmjs.org',
  'registry.yarnpkg.com',
  'pypi.org',
  'files.pythonhosted.org',
  'crates.io',
  'static.crates.io',
  'index.crates.io',
  'proxy.golang.org',
  'sum.golang.org',
  'rubygems.org',
  'repo.maven.apache.org',
  'repo1.maven.org',
  'deb.debian.org',
  'security.debian.org',
  'archive.ubuntu.com',
  'security.ubuntu.com',
  'dl-cdn.alpinelinux.org',
  'deb.nodesource.com',
  // Container registries
  'registry-1.docker.io',
  'auth.docker.io',
  'production.cloudflare.docker.com',
  'docker.io',
  'ghcr.io',
  'quay.io',
  'gcr.io',
  'public.ecr.aws',
  // AI APIs
  'api.openai.com',
  'api.anthropic.com',
  'generativelanguage.googleapis.com',
  'api.mistral.ai',
  'api.groq.com',
  'api.together.xyz',
  'openrouter.ai',
  'api.deepseek.com',
  'huggingface.co',
  '*.huggingface.co',
];
