export const OFFICES = [
  { city: 'Newark', coordinates: '40.7457 -74.2198' },
  { city: 'Newark', coordinates: '40.701621, -74.171187' },
  { city: 'Raleigh', coordinates: '35.82815,-78.63021' },
  { city: 'New York', coordinates: '40.7354, -74.0761' },
  { city: 'Austin', coordinates: '30.30199,-97.72862' },
];
export const ZOOM = 12.5;
export const DEFAULT_IP = '127.0.0.1'; // local dev ip
