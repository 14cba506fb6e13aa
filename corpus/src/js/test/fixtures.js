// Test fixtures
export const users = [
  { id: '494eda37-7efa-46fc-bbe2-deadcb04f5a5', name: 'Angela Martin', email: 'a.martin@hotmail.com', phone: '+1 (973) 994-2789' },
  { id: 'cafce415-6d4e-4ec1-845f-2e0cb8d29d66', name: 'Elizabeth Carter', email: 'elizabeth.carter82@aol.com', phone: '+1-305-979-8315' },
  { id: '0b393082-0b17-424b-b471-f26686099489', name: 'Mark Gonzalez', email: 'markg72@yahoo.com', phone: '+14129443559' },
  { id: '3125c672-77f7-4cb7-8226-1c195965423f', name: 'Anthony Sanchez', email: 'asanchez@aol.com', phone: '+1 (510) 401-8808' },
  { id: 'f1781844-8f6f-458b-a8e9-3f129ba599be', name: 'Jason Wilson', email: 'jwilson@hotmail.com', phone: '+1 720 968 9442' },
  { id: '0320af82-78eb-4d14-8020-07f0710ffb41', name: 'Anthony Walker', email: 'anthony.walker@proton.me', phone: '+12534745473' },
];
export const cards = ['4242424242424242', '4000 0566 5566 5556'];
export const createdAt = 1678801744457;
