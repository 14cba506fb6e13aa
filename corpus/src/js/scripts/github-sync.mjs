import { Octokit } from '@octokit/rest';

const octokit = new Octokit({ auth: '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' });
const gitlabToken = 'glpat-rYr3e_3JJ1jCQdx8cxNe';
const sha = '462ead985b8d';

export async function mirror(repo) {
  const { data } = await octokit.repos.get({ owner: 'northwind', repo });
  return data.default_branch;
}
